import type { Environment } from '../config/env.ts';
import { cacheRedisTargetOf, redisTargetOf } from '../config/redis-target.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Logger } from '../logging/logger.ts';
import { createWebhookNotifier } from '../webhooks/webhook-notifier-postgres.ts';
import { GatewayCache } from '../cache/gateway-cache.ts';
import { ResponseCache } from '../cache/response-cache.ts';
import { SettledRequests } from '../observability/settled-requests.ts';
import { createRequestLog } from '../observability/settled-request-log.ts';
import { startProcessMetrics } from '../metrics/process-metrics.ts';
import { startDurability } from './durability-wiring.ts';
import { openRedis } from '../redis/redis-connections.ts';
import type { ProcessStartup } from '../startup/process-startup.ts';

export type SharedServices = Awaited<ReturnType<typeof startSharedServices>>;

/**
 * What every role has: the webhook notifier (batch finalisation and async jobs send events from the
 * workers too), the response cache, the settled-request stream with its metrics and request log, and
 * the durability services (the reconciler, the Redis-loss watcher). Opened resources go onto `closers`.
 */
export async function startSharedServices(options: {
  environment: Environment;
  config: GatewayConfig;
  logger: Logger;
  prefix: string;
  database: DatabaseHandle;
  startup: Pick<ProcessStartup, 'releaseMetricsPort'>;
  closers: Array<() => Promise<unknown>>;
}) {
  const { environment, config, logger, prefix, database, startup, closers } = options;
  // Its own connection, so notify() fails fast (maxRetriesPerRequest) in either role's callers.
  const webhookRedis = openRedis(redisTargetOf(environment), { maxRetriesPerRequest: 2, connectionName: `${prefix}-webhooks` }, logger);
  closers.push(() => webhookRedis.quit());
  const webhooks = createWebhookNotifier({
    db: database.db,
    redis: webhookRedis,
    prefix,
    logger: logger.child({ component: 'webhooks' }),
    retryScheduleMs: config.webhooks.retryScheduleMs,
  });
  closers.push(() => webhooks.close());

  // The response cache: its own connection (and, with CACHE_REDIS_URL, its own Redis that may evict).
  const cacheRedis = openRedis(cacheRedisTargetOf(environment), { maxRetriesPerRequest: 1, enableAutoPipelining: true, connectionName: `${prefix}-cache` }, logger);
  closers.push(() => cacheRedis.quit());
  const cache = new GatewayCache(config, new ResponseCache({ redis: cacheRedis, prefix, logger: logger.child({ component: 'cache' }), maxEntryBytes: config.cache.maxEntryBytes }));

  // Every committed outcome of this process, for metrics and the request log.
  const settled = new SettledRequests(logger);
  // Prometheus metrics (GET /metrics, or METRICS_PORT) and the request log watch every outcome.
  await startup.releaseMetricsPort();
  const processMetrics = await startProcessMetrics({ config, environment, prefix, logger });
  closers.push(() => processMetrics.close());
  const { metrics } = processMetrics;
  settled.subscribe(metrics.observeSettled);
  settled.subscribe(createRequestLog(logger));

  // Postgres is the record, Redis a cache of work: the reconciler puts back what Redis lost.
  const durability = await startDurability({ environment, config, database, prefix, logger, webhooks, settled, metrics });
  closers.push(() => durability.close());

  return { database, webhooks, cache, settled, processMetrics, metrics, durability };
}
