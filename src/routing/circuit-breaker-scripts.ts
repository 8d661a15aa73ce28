import { luaNow, RedisScript } from '../redis/redis-script.ts';

/** The Lua scripts of the Redis circuit breakers (`redis-circuit-breakers.ts`), timed by Redis's clock. */

/**
 * Whether a call may go ahead. KEYS: the provider's breaker, then (optionally) the provider+model's.
 * ARGV: cooldownMs, halfOpenProbes, probeLeaseMs. Checks every key before changing any, so a refusal
 * by one takes no probe slot of the other. An open breaker past its cooldown turns half-open here,
 * handing out the first probe; a probe slot whose result never came back is reclaimed after the lease.
 * Answers 0 (refused), 1 (a half-open probe slot taken) or 2 (every breaker closed).
 */
export const allowsScript = new RedisScript(`${luaNow}
local cooldown, maxProbes, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local grants = {}
for _, key in ipairs(KEYS) do
  local fields = redis.call('HMGET', key, 'state', 'openedAt', 'probes', 'probeAt')
  if fields[1] == 'open' then
    if now - tonumber(fields[2]) < cooldown then return 0 end
    grants[#grants + 1] = { key, 0 }
  elseif fields[1] == 'half_open' then
    local probes = tonumber(fields[3] or '0')
    if probes > 0 and now - tonumber(fields[4] or '0') >= lease then probes = 0 end
    if probes >= maxProbes then return 0 end
    grants[#grants + 1] = { key, probes }
  end
end
if #grants == 0 then return 2 end
for _, grant in ipairs(grants) do
  redis.call('HSET', grant[1], 'state', 'half_open', 'probes', grant[2] + 1, 'probeAt', now)
end
return 1`);

/**
 * Outcomes of calls, counted per breaker. KEYS: each entry's breakers (the provider's, then
 * optionally the provider+model's). ARGV, per entry in turn: its number of keys, successes,
 * failures, failureRate, minRequests, windowMs, ttlMs, provider, model.
 * Closed: counts the calls in the current bucket (ten per window), drops buckets past the window, and
 * opens once the window holds at least minRequests calls with at least failureRate of them failed.
 * Half-open: a failure re-opens, else a success closes (and forgets the window). Open: late results of
 * calls begun before it opened are ignored.
 */
export const recordScript = new RedisScript(`${luaNow}
local k, a = 1, 1
while a <= #ARGV do
  local count, successes, failures = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local rate, minRequests, window, ttl = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local bucketMs = math.max(1, math.floor(window / 10))
  for i = 1, count do
    local key = KEYS[k]
    local state = redis.call('HGET', key, 'state') or 'closed'
    if state == 'half_open' then
      if failures > 0 then
        redis.call('HSET', key, 'state', 'open', 'openedAt', now, 'probes', 0)
      else
        redis.call('DEL', key)
      end
    elseif state == 'closed' then
      local bucket = string.format('%.0f', now - (now % bucketMs))
      redis.call('HINCRBY', key, 'r:' .. bucket, successes + failures)
      if failures > 0 then redis.call('HINCRBY', key, 'f:' .. bucket, failures) end
      local fields = redis.call('HGETALL', key)
      local requests, failed = 0, 0
      for j = 1, #fields, 2 do
        local kind = string.sub(fields[j], 1, 2)
        if kind == 'r:' or kind == 'f:' then
          if tonumber(string.sub(fields[j], 3)) + bucketMs <= now - window then
            redis.call('HDEL', key, fields[j])
          elseif kind == 'r:' then
            requests = requests + tonumber(fields[j + 1])
          else
            failed = failed + tonumber(fields[j + 1])
          end
        end
      end
      if requests >= minRequests and failed >= rate * requests then
        redis.call('HSET', key, 'state', 'open', 'openedAt', now, 'probes', 0)
      end
    end
    redis.call('HSET', key, 'provider', ARGV[a + 7], 'model', i == 2 and ARGV[a + 8] or '')
    redis.call('PEXPIRE', key, ttl)
    k = k + 1
  end
  a = a + 9
end
return 1`);

/**
 * Read-only: 1 where a call would be let through now, 0 where not, per key. ARGV: cooldownMs,
 * halfOpenProbes and probeLeaseMs of each key in turn (keys of different providers differ).
 */
export const peekScript = new RedisScript(`${luaNow}
local answers = {}
for i, key in ipairs(KEYS) do
  local cooldown, maxProbes, lease = tonumber(ARGV[i * 3 - 2]), tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3])
  local fields = redis.call('HMGET', key, 'state', 'openedAt', 'probes', 'probeAt')
  -- 2: closed (or never seen), 1: allowed but not closed, 0: refused
  local allowed = 2
  if fields[1] == 'open' then
    allowed = 1
    if now - tonumber(fields[2]) < cooldown then allowed = 0 end
  elseif fields[1] == 'half_open' then
    allowed = 1
    local probes = tonumber(fields[3] or '0')
    if probes > 0 and now - tonumber(fields[4] or '0') >= lease then probes = 0 end
    if probes >= maxProbes then allowed = 0 end
  end
  answers[i] = allowed
end
return answers`);
