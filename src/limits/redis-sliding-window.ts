import type { RedisClient } from '../redis/redis-connections.ts';
import { integerReply, RedisScript, luaPrelude } from '../redis/redis-script.ts';

/**
 * A weighted sliding log in Redis: a sorted set of `<holder>|<weight>` members scored by the time they
 * count from (ms), and the sum of the weights in `<key>:total`. Requests per minute are weight 1;
 * tokens per minute weigh the call's tokens. An entry counts while `score > now - window`, so at most
 * `limit` weight lies in ANY window of that length, whatever its start: no fixed minutes, a burst at
 * a minute's edge counts against the next minute too.
 *
 * While a call is in flight its entry is scored `acquired + lease`: it counts until the call
 * completes, then `settle` re-scores it with the completion time (and its real weight). A provider
 * receives a call somewhere between acquire and completion, so spacing calls from completions keeps
 * the provider's own window, measured on arrival, under the limit however long each call takes; and
 * a process killed mid-call leaves an entry that expires `lease + window` after it was taken.
 */
export const slidingWindowLua = `
local function window_weight(member)
  return tonumber(string.match(member, '|(%d+)$')) or 0
end

local function window_trim(key, total_key, now, window_ms)
  local horizon = now - window_ms
  local expired = redis.call('ZRANGEBYSCORE', key, '-inf', horizon)
  if #expired == 0 then return end
  local freed = 0
  for _, member in ipairs(expired) do freed = freed + window_weight(member) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', horizon)
  if redis.call('ZCARD', key) == 0 then redis.call('DEL', total_key) else redis.call('DECRBY', total_key, freed) end
end

-- 0 when weight fits; else the ms until enough weight has left the window, or -1 when what must
-- leave first is still in flight (it counts until its call completes). Second value when it fits:
-- the weight already in the window.
local function window_check(key, total_key, limit, weight, unit, now, window_ms)
  window_trim(key, total_key, now, window_ms)
  local used = tonumber(redis.call('GET', total_key) or '0')
  -- An empty window admits a call heavier than the whole limit, which could never run otherwise.
  if used + weight <= limit or used <= 0 then return 0, used end
  local excess = used + weight - limit
  local score
  if unit then
    score = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')[2]
  else
    local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    local freed = 0
    for i = 1, #entries, 2 do
      freed = freed + window_weight(entries[i])
      if freed >= excess then score = entries[i + 1]; break end
    end
  end
  if score == nil then return -1 end
  score = tonumber(score)
  if score > now then return -1 end
  return score + window_ms - now
end

local function window_add(key, total_key, member, weight, score, ttl)
  redis.call('ZADD', key, score, member)
  redis.call('INCRBY', total_key, weight)
  extend_ttl(key, ttl)
  extend_ttl(total_key, ttl)
end

-- Re-scores a holder's entry with the completion time and its real weight. An entry whose lease had
-- already ended is added again: the call did happen.
local function window_settle(key, total_key, holder, reserved, actual, now, ttl)
  if redis.call('ZREM', key, holder .. '|' .. reserved) == 1 then redis.call('DECRBY', total_key, reserved) end
  window_add(key, total_key, holder .. '|' .. actual, actual, now, ttl)
end

-- Many entries of one score at once (members already '<holder>|<weight>'; weight their sum).
local function window_add_many(key, total_key, members, weight, score, ttl)
  zadd_many(key, score, members)
  redis.call('INCRBY', total_key, weight)
  extend_ttl(key, ttl)
  extend_ttl(total_key, ttl)
end

-- window_settle for many holders in a constant number of commands. When an entry had already left
-- (its lease ended before its call did), which of them did is unknown: the total is then summed again
-- from the entries, which is exact and only happens for calls longer than their lease.
local function window_settle_many(key, total_key, reserved_members, reserved_weight, actual_members, actual_weight, now, ttl)
  local removed = zrem_many(key, reserved_members)
  zadd_many(key, now, actual_members)
  if removed == #reserved_members then
    local delta = actual_weight - reserved_weight
    if delta ~= 0 then redis.call('INCRBY', total_key, delta) end
  else
    local total = 0
    for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do total = total + window_weight(member) end
    redis.call('SET', total_key, total)
  end
  extend_ttl(key, ttl)
  extend_ttl(total_key, ttl)
end
`;

const acquireScript = new RedisScript(`${luaPrelude}${slidingWindowLua}
local now = clock(ARGV[1])
local limit, weight, window_ms, lease_ms = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local wait = window_check(KEYS[1], KEYS[2], limit, weight, ARGV[7] == '1', now, window_ms)
if wait ~= 0 then return {0, wait} end
window_add(KEYS[1], KEYS[2], ARGV[2] .. '|' .. weight, weight, now + lease_ms, lease_ms + window_ms + 1000)
return {1, 0}
`);

const settleScript = new RedisScript(`${luaPrelude}${slidingWindowLua}
local now = clock(ARGV[1])
window_settle(KEYS[1], KEYS[2], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), now, tonumber(ARGV[5]) + 1000)
return 1
`);

const usedScript = new RedisScript(`${luaPrelude}${slidingWindowLua}
window_trim(KEYS[1], KEYS[2], clock(ARGV[1]), tonumber(ARGV[2]))
return tonumber(redis.call('GET', KEYS[2]) or '0')
`);

export type WindowAttempt = { acquired: true } | { acquired: false; waitMs: number };

export interface WindowSettings {
  limit: number;
  windowMs: number;
  /** How long an unsettled entry counts as in flight. */
  leaseMs: number;
  /** Every entry weighs 1 (requests per window): the refusal's wait is found without a scan. */
  unit?: boolean;
}

/**
 * One window on its own, over the same Lua functions the provider limiter runs (which checks windows
 * together with a semaphore and a pause in one atomic script).
 */
export class RedisSlidingWindow {
  readonly totalKey: string;

  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
  ) {
    this.totalKey = `${key}:total`;
  }

  /** `now` (ms) replaces Redis's clock, for tests. */
  async tryAcquire(holder: string, weight: number, settings: WindowSettings & { now?: number }): Promise<WindowAttempt> {
    const args = [settings.now ?? '', holder, settings.limit, weight, settings.windowMs, settings.leaseMs, settings.unit ? '1' : '0'];
    const [acquired, waitMs] = integerReply(await acquireScript.run(this.redis, [this.key, this.totalKey], args), 2) as [number, number];
    return acquired === 1 ? { acquired: true } : { acquired: false, waitMs };
  }

  /** The call completed: count it from now, with its real weight (tokens reported by the provider). */
  async settle(holder: string, weights: { reserved: number; actual: number }, settings: { windowMs: number; now?: number }): Promise<void> {
    await settleScript.run(this.redis, [this.key, this.totalKey], [settings.now ?? '', holder, weights.reserved, weights.actual, settings.windowMs]);
  }

  /** The weight in the window ending now. */
  async used(settings: { windowMs: number; now?: number }): Promise<number> {
    return Number(await usedScript.run(this.redis, [this.key, this.totalKey], [settings.now ?? '', settings.windowMs]));
  }
}
