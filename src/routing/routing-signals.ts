import type { RedisClient } from '../redis/redis-connections.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import { RedisCircuitBreakers } from './redis-circuit-breakers.ts';
import { RedisRouteLatencies } from './redis-route-latencies.ts';

/** What the planner reads from Redis: breaker states (without taking probe slots) and latencies. */
export interface RoutingSignalsReader {
  breakers?: Pick<RedisCircuitBreakers, 'peek'> | undefined;
  latencies?: Pick<RedisRouteLatencies, 'read'> | undefined;
}

/** What routing keeps in Redis: circuit breakers and route latencies, shared by every process. */
export interface RoutingSignals {
  breakers: RedisCircuitBreakers;
  latencies: RedisRouteLatencies;
}

/** Both on one connection; give it `maxRetriesPerRequest` so a Redis outage fails open quickly. */
export function createRoutingSignals(options: { config: GatewayConfig; redis: RedisClient; prefix: string; logger: Logger }): RoutingSignals {
  const logger = options.logger.child({ component: 'routing' });
  return {
    breakers: new RedisCircuitBreakers({ redis: options.redis, prefix: options.prefix, breakers: options.config.breakers, logger }),
    latencies: new RedisRouteLatencies({
      redis: options.redis,
      prefix: options.prefix,
      smoothing: options.config.routing.latencySmoothing,
      maxAgeMs: options.config.routing.latencyMaxAgeMs,
      sampleEveryMs: 100,
      logger,
    }),
  };
}
