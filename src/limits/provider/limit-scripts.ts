import type { RedisClient } from '../../redis/redis-connections.ts';
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
 * ARGV: now, lease ms, window ms, count, then (code, limit) per constraint, then per call in order:
 * holder, tokens. Admits calls in order while every constraint has room for the next, as that many
 * single acquires would one after the other, and stops at the first that does not fit (no later call
 * overtakes it). The takes of all admitted calls are written together: one ZADD per key.
 * Returns {calls admitted, wait ms of the first refused (-1: unknown), its constraint index}.
 */
const acquireScript = new RedisScript(`${limitLua}
local now = clock(ARGV[1])
local lease_ms, window_ms, count = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local first_call = 5 + 2 * count
local code, limit, key_index, used = {}, {}, {}, {}
local k = 2
for i = 1, count do
  code[i], limit[i], key_index[i] = ARGV[3 + 2 * i], tonumber(ARGV[4 + 2 * i]), k
  k = k + ((code[i] == 'r' or code[i] == 't') and 2 or 1)
end

-- What a call weighs in constraint i's window: 1 in a requests window, its tokens in a tokens one.
local function weight(i, tokens)
  return code[i] == 'r' and 1 or tokens
end

-- The full check of one call against the keys as they are: the longest known wait, or -1. Leaves in
-- used[i] what each semaphore or window holds (when it has room).
local function check(tokens)
  local wait, reason = 0, 0
  for i = 1, count do
    local key, w = KEYS[key_index[i]], 0
    if code[i] == 'p' then
      local until_ms = tonumber(redis.call('GET', key) or '0')
      w = until_ms > now and until_ms - now or 0
    elseif code[i] == 'c' then
      w, used[i] = semaphore_check(key, limit[i], now)
    else
      w, used[i] = window_check(key, KEYS[key_index[i] + 1], limit[i], weight(i, tokens), code[i] == 'r', now, window_ms)
    end
    -- Nothing passes before the longest known wait; an unknown one (-1) counts only when none is known.
    if w > 0 and w > wait then wait, reason = w, i
    elseif w < 0 and wait == 0 then wait, reason = -1, i end
  end
  return wait, reason
end

local wait, reason = check(tonumber(ARGV[first_call + 1]))
local admitted = {}
if wait == 0 then
  -- The first call fits, and check() has read every key: count on from there without reading again.
  for c = first_call, #ARGV, 2 do
    local tokens = tonumber(ARGV[c + 1])
    local fits = true
    for i = 1, count do
      if code[i] == 'c' then fits = used[i] < limit[i]
      elseif code[i] ~= 'p' then fits = used[i] + weight(i, tokens) <= limit[i] or used[i] <= 0 end
      if not fits then break end
    end
    if not fits then break end
    for i = 1, count do
      if code[i] == 'c' then used[i] = used[i] + 1
      elseif code[i] ~= 'p' then used[i] = used[i] + weight(i, tokens) end
    end
    admitted[#admitted + 1] = c
  end
end

for i = 1, count do
  if #admitted > 0 and code[i] ~= 'p' then
    local key, members, total = KEYS[key_index[i]], {}, 0
    for _, c in ipairs(admitted) do
      if code[i] == 'c' then members[#members + 1] = ARGV[c]
      else
        local w = weight(i, tonumber(ARGV[c + 1]))
        members[#members + 1] = ARGV[c] .. '|' .. w
        total = total + w
      end
    end
    if code[i] == 'c' then semaphore_take_many(key, members, now, lease_ms)
    else window_add_many(key, KEYS[key_index[i] + 1], members, total, now + lease_ms, lease_ms + window_ms + 1000) end
  end
end

local calls = (#ARGV - first_call + 1) / 2
if #admitted < calls then
  -- Why the next call waits, from the keys as they now are (the takes above included).
  if #admitted > 0 then wait, reason = check(tonumber(ARGV[first_call + 2 * #admitted + 1])) end
  -- Consistent counting leaves a positive wait here; poll, should it not.
  if wait == 0 then wait, reason = -1, 1 end
  if wait < 0 then redis.call('SET', KEYS[1], '1', 'PX', 5000) end
end
return {#admitted, wait, reason}
`);

/**
 * KEYS as for acquire. ARGV: now, window ms, release channel, count, the code per constraint, then per
 * call ending (one or many, of the same set): holder, reserved tokens, actual tokens. Frees the
 * semaphores, re-scores the windows with the completion time, and announces the releases once when
 * some process waits for one; a constant number of commands however many calls end.
 */
const settleScript = new RedisScript(`${limitLua}
local window_ms, count = tonumber(ARGV[2]), tonumber(ARGV[4])
local holders, reserved, actual, reserved_sum, actual_sum = {}, {}, {}, 0, 0
for c = 5 + count, #ARGV, 3 do
  holders[#holders + 1] = ARGV[c]
  reserved[#reserved + 1] = ARGV[c] .. '|' .. tonumber(ARGV[c + 1])
  actual[#actual + 1] = ARGV[c] .. '|' .. tonumber(ARGV[c + 2])
  reserved_sum, actual_sum = reserved_sum + tonumber(ARGV[c + 1]), actual_sum + tonumber(ARGV[c + 2])
end
local now
local k = 2
for i = 1, count do
  local code = ARGV[4 + i]
  if code == 'p' then
    k = k + 1
  elseif code == 'c' then
    semaphore_release_many(KEYS[k], holders)
    k = k + 1
  else
    now = now or clock(ARGV[1])
    if code == 'r' then
      local ones = {}
      for j = 1, #holders do ones[j] = holders[j] .. '|1' end
      window_settle_many(KEYS[k], KEYS[k + 1], ones, #holders, ones, #holders, now, window_ms + 1000)
    else
      window_settle_many(KEYS[k], KEYS[k + 1], reserved, reserved_sum, actual, actual_sum, now, window_ms + 1000)
    end
    k = k + 2
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

export interface AcquireCall {
  holder: string;
  tokens: number;
}

/** How many calls, from the first, were admitted; why the next one waits when not all were. */
export interface OrderedAcquireOutcome {
  acquired: number;
  refusal?: { waitMs: number; constraint: LimitConstraint | undefined };
}

/**
 * Takes every constraint of the set for as many calls as fit, in order, in one script call: the
 * first `acquired` of them hold their slots, the rest took nothing. `now` (ms) replaces Redis's clock
 * in tests.
 */
export async function acquireLimitsInOrder(redis: RedisClient, set: LimitSet, calls: readonly AcquireCall[], now?: number): Promise<OrderedAcquireOutcome> {
  if (calls.length === 0) return { acquired: 0 };
  const args: Array<string | number> = [now ?? '', set.leaseMs, set.windowMs, set.constraints.length];
  for (const constraint of set.constraints) args.push(codes[constraint.kind], constraint.kind === 'pause' ? 0 : constraint.limit);
  for (const call of calls) args.push(call.holder, call.tokens);
  const [acquired, waitMs, reason] = integerReply(await acquireScript.run(redis, constraintKeys(set), args), 3) as [number, number, number];
  return acquired === calls.length ? { acquired } : { acquired, refusal: { waitMs, constraint: set.constraints[reason - 1] } };
}

/** Takes every constraint of the set for one call, or none. */
export async function acquireLimits(redis: RedisClient, set: LimitSet, call: AcquireCall & { now?: number }): Promise<AcquireOutcome> {
  const outcome = await acquireLimitsInOrder(redis, set, [call], call.now);
  return outcome.refusal ? { acquired: false, ...outcome.refusal } : { acquired: true };
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
export async function settleLimits(redis: RedisClient, set: LimitSet, calls: readonly SettledCall[], now?: number): Promise<void> {
  if (calls.length === 0) return;
  const args: Array<string | number> = [now ?? '', set.windowMs, set.releaseChannel, set.constraints.length];
  for (const constraint of set.constraints) args.push(codes[constraint.kind]);
  for (const call of calls) args.push(call.holder, call.reservedTokens, call.actualTokens);
  await settleScript.run(redis, constraintKeys(set), args);
}

/** Pauses everything that checks `key` for `ms` (extending, never shortening, a pause in force). */
export async function pauseLimits(redis: RedisClient, key: string, ms: number, now?: number): Promise<number> {
  return Number(await pauseScript.run(redis, [key], [now ?? '', Math.max(1, Math.round(ms))]));
}
