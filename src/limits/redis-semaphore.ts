import type { RedisClient } from '../redis/redis-connections.ts';
import { integerReply, RedisScript, luaPrelude } from '../redis/redis-script.ts';

/**
 * A counting semaphore in one Redis sorted set: member = holder id, score = when its lease ends (ms).
 * A holder that dies without releasing (a killed process) stops counting once its lease ends, so a
 * slot is never leaked for longer than the lease; the gateway leases for the provider's timeout plus
 * a grace period, and every call ends (or is aborted) within that timeout.
 */
export const semaphoreLua = `
-- 0 when a slot is free; -1 when full: a slot frees when a holder releases, which cannot be foreseen.
-- Second value: the slots held.
local function semaphore_check(key, limit, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local held = redis.call('ZCARD', key)
  if held < limit then return 0, held end
  return -1, held
end

local function semaphore_take(key, holder, now, lease_ms)
  redis.call('ZADD', key, now + lease_ms, holder)
  extend_ttl(key, lease_ms + 1000)
end

-- 1 when the holder still held a slot.
local function semaphore_release(key, holder)
  return redis.call('ZREM', key, holder)
end

-- Many holders at once: one ZADD (one ZREM) however many.
local function semaphore_take_many(key, holders, now, lease_ms)
  zadd_many(key, now + lease_ms, holders)
  extend_ttl(key, lease_ms + 1000)
end

local function semaphore_release_many(key, holders)
  return zrem_many(key, holders)
end
`;

const acquireScript = new RedisScript(`${luaPrelude}${semaphoreLua}
local now = clock(ARGV[1])
local wait = semaphore_check(KEYS[1], tonumber(ARGV[3]), now)
if wait ~= 0 then return {0, wait} end
semaphore_take(KEYS[1], ARGV[2], now, tonumber(ARGV[4]))
return {1, 0}
`);

const releaseScript = new RedisScript(`${luaPrelude}${semaphoreLua}
return semaphore_release(KEYS[1], ARGV[1])
`);

/** The outcome of one attempt: `waitMs` is -1 when the wait cannot be known (poll, or be woken). */
export type SemaphoreAttempt = { acquired: true } | { acquired: false; waitMs: number };

/**
 * One semaphore on its own, over the same Lua functions the provider limiter runs (which checks a
 * semaphore together with windows and a pause in one atomic script).
 */
export class RedisSemaphore {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
  ) {}

  /** `now` (ms) replaces Redis's clock, for tests. */
  async tryAcquire(holder: string, options: { limit: number; leaseMs: number; now?: number }): Promise<SemaphoreAttempt> {
    const reply = await acquireScript.run(this.redis, [this.key], [options.now ?? '', holder, options.limit, options.leaseMs]);
    const [acquired, waitMs] = integerReply(reply, 2) as [number, number];
    return acquired === 1 ? { acquired: true } : { acquired: false, waitMs };
  }

  /** True when the holder still held its slot (false once its lease had ended). */
  async release(holder: string): Promise<boolean> {
    return (await releaseScript.run(this.redis, [this.key], [holder])) === 1;
  }
}
