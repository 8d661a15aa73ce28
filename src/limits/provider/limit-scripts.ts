import type { Redis } from 'ioredis';
import { integerReply, RedisScript, luaPrelude } from '../../redis/redis-script.ts';
import { semaphoreLua } from '../redis-semaphore.ts';
import { slidingWindowLua } from '../redis-sliding-window.ts';

/** One limit a call must fit before it is made; keys are full Redis keys. */
export type LimitConstraint =
  /** The provider answered 429: nothing is sent until the time stored here. */
  | { kind: 'pause'; key: string }
  /** In-flight calls (a semaphore with leases). */
  | { kind: 'concurrency'; key: string; limit: number }
  /** Calls per window (a sliding log of weight 1). */
  | { kind: 'requests'; key: string; limit: number }
  /** Tokens per window: the estimate is reserved, then replaced by the reported usage. */
  | { kind: 'tokens'; key: string; limit: number };

/** Everything one call checks together, atomically: all are taken, or none. */
export interface LimitSet {
  constraints: readonly LimitConstraint[];
  windowMs: number;
  /** How long a taken slot counts if its holder never settles (a killed process). */
  leaseMs: number;
  /** Set while a process waits for a release it cannot foresee; settles announce releases only then. */
  waitingKey: string;
  releaseChannel: string;
}

const codes = { pause: 'p', concurrency: 'c', requests: 'r', tokens: 't' } as const;

const limitLua = `${luaPrelude}${semaphoreLua}${slidingWindowLua}`;

/**
 * KEYS: waiting flag, then per constraint its key (windows: key and total key).
 * ARGV: now, holder, lease ms, window ms, tokens, count, then (code, limit) per constraint.
 * Returns {1, 0, 0} when every constraint was taken; else {0, wait ms (-1: unknown), constraint index}.
 */
const acquireScript = new RedisScript(`${limitLua}
local now = clock(ARGV[1])
local holder, lease_ms, window_ms, tokens = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local count = tonumber(ARGV[6])
local wait, reason, k = 0, 0, 2
for i = 1, count do
  local code, limit = ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
  local w
  if code == 'p' then
    local until_ms = tonumber(redis.call('GET', KEYS[k]) or '0')
    w = until_ms > now and until_ms - now or 0
    k = k + 1
  elseif code == 'c' then
    w = semaphore_check(KEYS[k], limit, now)
    k = k + 1
  else
    w = window_check(KEYS[k], KEYS[k + 1], limit, code == 'r' and 1 or tokens, code == 'r', now, window_ms)
    k = k + 2
  end
  -- Nothing passes before the longest known wait; an unknown one (-1) counts only when none is known.
  if w > 0 and w > wait then wait, reason = w, i
  elseif w < 0 and wait == 0 then wait, reason = -1, i end
end
if wait ~= 0 then
  if wait < 0 then redis.call('SET', KEYS[1], '1', 'PX', 5000) end
  return {0, wait, reason}
end
k = 2
for i = 1, count do
  local code = ARGV[5 + 2 * i]
  if code == 'p' then
    k = k + 1
  elseif code == 'c' then
    semaphore_take(KEYS[k], holder, now, lease_ms)
    k = k + 1
  else
    local weight = code == 'r' and 1 or tokens
    window_add(KEYS[k], KEYS[k + 1], holder .. '|' .. weight, weight, now + lease_ms, lease_ms + window_ms + 1000)
    k = k + 2
  end
end
return {1, 0, 0}
`);

/**
 * KEYS as for acquire. ARGV: now, window ms, release channel, count, the code per constraint, then per
 * call ending (one or many, of the same set): holder, reserved tokens, actual tokens. Frees the
 * semaphores, re-scores the windows with the completion time, and announces the releases once when
 * some process waits for one.
 */
const settleScript = new RedisScript(`${limitLua}
local now = clock(ARGV[1])
local window_ms, count = tonumber(ARGV[2]), tonumber(ARGV[4])
for c = 5 + count, #ARGV, 3 do
  local holder, reserved, actual = ARGV[c], tonumber(ARGV[c + 1]), tonumber(ARGV[c + 2])
  local k = 2
  for i = 1, count do
    local code = ARGV[4 + i]
    if code == 'p' then
      k = k + 1
    elseif code == 'c' then
      semaphore_release(KEYS[k], holder)
      k = k + 1
    else
      if code == 'r' then window_settle(KEYS[k], KEYS[k + 1], holder, 1, 1, now, window_ms + 1000)
      else window_settle(KEYS[k], KEYS[k + 1], holder, reserved, actual, now, window_ms + 1000) end
      k = k + 2
    end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PUBLISH', ARGV[3], '') end
return 1
`);

/** KEYS: the pause key. ARGV: now, ms. Extends the pause to now + ms (never shortens it); returns its end. */
const pauseScript = new RedisScript(`${luaPrelude}
local now, ms = clock(ARGV[1]), tonumber(ARGV[2])
local until_ms = now + ms
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= until_ms then return current end
redis.call('SET', KEYS[1], until_ms, 'PX', ms)
return until_ms
`);

function constraintKeys(set: LimitSet): string[] {
  const keys = [set.waitingKey];
  for (const constraint of set.constraints) {
    keys.push(constraint.key);
    if (constraint.kind === 'requests' || constraint.kind === 'tokens') keys.push(`${constraint.key}:total`);
  }
  return keys;
}

export type AcquireOutcome =
  | { acquired: true }
  /** `waitMs` -1: a release will tell (or poll); `constraint` is what refused for longest. */
  | { acquired: false; waitMs: number; constraint: LimitConstraint | undefined };

/** Takes every constraint of the set for `holder`, or none; `now` (ms) replaces Redis's clock in tests. */
export async function acquireLimits(redis: Redis, set: LimitSet, call: { holder: string; tokens: number; now?: number }): Promise<AcquireOutcome> {
  const args: Array<string | number> = [call.now ?? '', call.holder, set.leaseMs, set.windowMs, call.tokens, set.constraints.length];
  for (const constraint of set.constraints) args.push(codes[constraint.kind], constraint.kind === 'pause' ? 0 : constraint.limit);
  const [acquired, waitMs, reason] = integerReply(await acquireScript.run(redis, constraintKeys(set), args), 3) as [number, number, number];
  return acquired === 1 ? { acquired: true } : { acquired: false, waitMs, constraint: set.constraints[reason - 1] };
}

export interface SettledCall {
  holder: string;
  reservedTokens: number;
  actualTokens: number;
}

/**
 * Ends calls of one set, in one script call: frees their concurrency slots and counts them in the
 * windows from now, with their `actual` tokens. `now` (ms) replaces Redis's clock in tests.
 */
export async function settleLimits(redis: Redis, set: LimitSet, calls: readonly SettledCall[], now?: number): Promise<void> {
  if (calls.length === 0) return;
  const args: Array<string | number> = [now ?? '', set.windowMs, set.releaseChannel, set.constraints.length];
  for (const constraint of set.constraints) args.push(codes[constraint.kind]);
  for (const call of calls) args.push(call.holder, call.reservedTokens, call.actualTokens);
  await settleScript.run(redis, constraintKeys(set), args);
}

/** Pauses everything that checks `key` for `ms` (extending, never shortening, a pause in force). */
export async function pauseLimits(redis: Redis, key: string, ms: number, now?: number): Promise<number> {
  return Number(await pauseScript.run(redis, [key], [now ?? '', Math.max(1, Math.round(ms))]));
}
