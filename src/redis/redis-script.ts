import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connections.ts';

/**
 * Lua helpers every limit script starts with. Times are integer milliseconds from Redis's own clock
 * (`TIME`), so every process measures windows and leases on one clock; tests pass `now` instead to
 * make edge cases exact. Integers keep Lua's number-to-string conversion exact in ZADD/SET arguments.
 */
export const luaPrelude = `
local function clock(override)
  if override ~= '' then return tonumber(override) end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- Never shortens a TTL another holder relies on.
local function extend_ttl(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end

-- ZADD of many members with one score, ZREM of many members: one command per 500 members (Lua's
-- unpack has a stack limit). ZREM's count of members that were there is returned.
local function zadd_many(key, score, members)
  local args = {}
  for i = 1, #members do
    args[#args + 1] = score
    args[#args + 1] = members[i]
    if #args >= 1000 then redis.call('ZADD', key, unpack(args)); args = {} end
  end
  if #args > 0 then redis.call('ZADD', key, unpack(args)) end
end

local function zrem_many(key, members)
  local removed = 0
  for i = 1, #members, 500 do
    removed = removed + redis.call('ZREM', key, unpack(members, i, math.min(i + 499, #members)))
  end
  return removed
end
`;

/**
 * A Lua script run with EVALSHA (the server keeps it compiled), sent whole with EVAL only when the
 * server does not know it yet (NOSCRIPT: first use, or after a restart or SCRIPT FLUSH).
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return redis.eval(this.source, keys.length, ...keys, ...args);
      throw error;
    }
  }
}

/** Redis's own clock in epoch ms as `now`, inside a script: every process judges time by the same clock. */
export const luaNow = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/** A Lua integer array reply as numbers; throws on anything else (a script bug, not a refusal). */
export function integerReply(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((value) => typeof value === 'number')) {
    throw new Error(`unexpected reply from a limit script: ${JSON.stringify(reply)}`);
  }
  return reply as number[];
}
