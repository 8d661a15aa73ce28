import type { RedisClient } from '../redis/redis-connections.ts';
import type { Logger } from '../logging/logger.ts';
import { luaNow, RedisScript } from '../redis/redis-script.ts';
import { routeKey } from './resolve-route.ts';

type RouteName = { provider: string; upstreamModel: string };

/**
 * Folds one latency into a route's moving average. KEYS: the hash. ARGV: route, sample ms, smoothing,
 * max age ms. Values are `<average>|<updated at>`; an average older than max age starts over.
 */
const recordScript = new RedisScript(`${luaNow}
local sample, smoothing, maxAge = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local average = sample
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local bar = string.find(current, '|', 1, true)
  local previous, updatedAt = tonumber(string.sub(current, 1, bar - 1)), tonumber(string.sub(current, bar + 1))
  if now - updatedAt < maxAge then average = previous + smoothing * (sample - previous) end
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.1f', average) .. '|' .. string.format('%.0f', now))
return 1`);

/** The averages of the routes in ARGV[2..] younger than ARGV[1] ms, as strings; false where none. */
const readScript = new RedisScript(`${luaNow}
local maxAge = tonumber(ARGV[1])
local answers = {}
for i = 2, #ARGV do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  answers[i - 1] = false
  if current then
    local bar = string.find(current, '|', 1, true)
    if now - tonumber(string.sub(current, bar + 1)) < maxAge then answers[i - 1] = string.sub(current, 1, bar - 1) end
  end
end
return answers`);

/**
 * Recent latency per provider and upstream model, an exponentially weighted moving average in one
 * Redis hash: workers fold in each successful call, the `fastest` strategy reads it when planning.
 * Redis trouble costs only the ordering, never a request: errors are logged and treated as no data.
 */
export class RedisRouteLatencies {
  private readonly hashKey: string;

  constructor(
    private readonly options: {
      redis: RedisClient;
      prefix: string;
      /** Weight of the newest call (0 < s ≤ 1). */
      smoothing: number;
      /** An average not updated for this long is forgotten. */
      maxAgeMs: number;
      /**
       * Send at most one sample per route this often from this process (0: every call). A batch
       * makes thousands of calls a second; a sampled average ranks routes just as well.
       * @defaultValue 0
       */
      sampleEveryMs?: number;
      logger?: Logger | undefined;
    },
  ) {
    this.hashKey = `${options.prefix}:route-latency`;
  }

  private readonly lastSampleAt = new Map<string, number>();

  async record(route: RouteName, latencyMs: number): Promise<void> {
    const every = this.options.sampleEveryMs ?? 0;
    if (every > 0) {
      const key = routeKey(route);
      const now = Date.now();
      if (now - (this.lastSampleAt.get(key) ?? 0) < every) return;
      this.lastSampleAt.set(key, now);
    }
    try {
      await recordScript.run(this.options.redis, [this.hashKey], [routeKey(route), Math.max(0, Math.round(latencyMs)), this.options.smoothing, this.options.maxAgeMs]);
    } catch (error) {
      this.options.logger?.warn({ err: error, provider: route.provider }, 'cannot record route latency');
    }
  }

  /** Averages by `provider/model` for the routes that have a recent one. */
  async read(routes: readonly RouteName[]): Promise<Map<string, number>> {
    const names = [...new Set(routes.map(routeKey))];
    const latencies = new Map<string, number>();
    if (names.length === 0) return latencies;
    try {
      const answers = await readScript.run(this.options.redis, [this.hashKey], [this.options.maxAgeMs, ...names]);
      names.forEach((name, index) => {
        const value = Array.isArray(answers) ? answers[index] : undefined;
        if (typeof value === 'string' && value !== '') latencies.set(name, Number(value));
      });
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'cannot read route latencies; ordering without them');
    }
    return latencies;
  }
}
