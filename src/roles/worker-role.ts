import type { Environment } from '../config/env.ts';
import { redisTargetOf } from '../config/redis-target.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import { createProviderClients } from '../providers/provider-registry.ts';
import { startProviderWorkers } from '../workers/provider-workers.ts';
import { createProviderLimits } from '../limits/provider/provider-limits.ts';
import { startBatchWorkers } from '../batches/batch-workers.ts';
import { asyncJobLifecycle } from '../async-jobs/async-jobs.ts';
import { startWebhookWorker } from '../webhooks/webhook-worker.ts';
import { ResultStore } from '../records/result-store.ts';
import { createRoutingSignals } from '../routing/routing-signals.ts';
import { createTenantWorkerLimits } from '../limits/tenant/tenant-limits-wiring.ts';
import { openRedis } from '../redis/redis-connections.ts';
import { createReadiness } from '../durability/readiness.ts';
import type { Shutdown } from '../durability/shutdown.ts';
import type { SharedServices } from './shared-services.ts';
import type { Tracing } from '../observability/tracing.ts';

/**
 * The worker role (`worker`, or `all`): provider clients, provider and tenant limits, routing
 * signals, and the BullMQ workers of every provider queue, the batch queues and the webhook queue.
 * Everything it opens is pushed onto `closers` (closed in reverse).
 */
export async function startWorkerRole(options: {
  environment: Environment;
  config: GatewayConfig;
  logger: Logger;
  prefix: string;
  shared: SharedServices;
  shutdown: Shutdown;
  closers: Array<() => Promise<unknown>>;
  /** Spans of this process's requests and jobs. */
  tracing: Tracing;
}): Promise<void> {
  const { environment, config, logger, prefix, shutdown, closers } = options;
  const { database, webhooks, cache, settled, processMetrics, metrics } = options.shared;
  const workerRedis = openRedis(redisTargetOf(environment), { maxRetriesPerRequest: null, connectionName: `${prefix}-worker` }, logger);
  closers.push(() => workerRedis.quit());
  processMetrics.setReadiness(createReadiness({ pool: database.pool, redis: workerRedis, shutdown }));
  const providers = createProviderClients(config);
  closers.push(() => Promise.all([...providers.values()].map((provider) => provider.close())));
  // Breakers and latencies: pipelined, and quick to give up (they fail open) when Redis is away.
  const routingRedis = openRedis(redisTargetOf(environment), { maxRetriesPerRequest: 2, enableAutoPipelining: true, connectionName: `${prefix}-routing` }, logger);
  closers.push(() => routingRedis.quit());
  const signals = createRoutingSignals({ config, redis: routingRedis, prefix, logger });
  // After the workers, before the connection: the breaker outcomes gathered in this process are written.
  closers.push(() => signals.breakers.flush());
  // Closed after the workers (closers run in reverse): their last calls settle their limits.
  const limitProvider = createProviderLimits({ config, redis: workerRedis, prefix, logger: logger.child({ component: 'provider-limits' }) });
  closers.push(() => limitProvider.close());
  const tenantLimits = createTenantWorkerLimits({ pool: database.pool, redis: workerRedis, prefix, logger });
  closers.push(() => tenantLimits.close());
  const pool = await startProviderWorkers({
    config,
    providers,
    redis: workerRedis,
    prefix,
    resultStore: new ResultStore(database.db, {
      afterWrite: tenantLimits.meter.afterResultsWritten,
      settled,
      outage: { maxWaitMs: config.durability.outageWaitMs, logger, what: 'request outcomes' },
    }),
    logger: logger.child({ component: 'worker' }),
    limitProvider,
    lifecycle: asyncJobLifecycle({ pool: database.pool, webhooks }),
    signals,
    retryPolicy: config.routing,
    maxSlotWaitMs: config.routing.maxSlotWaitMs,
    cache,
    handBack: shutdown.handBack,
    tracing: options.tracing,
  });
  closers.push(() => pool.close());
  const batchWorkers = await startBatchWorkers({
    config,
    providers,
    pool: database.pool,
    db: database.db,
    redis: workerRedis,
    prefix,
    limitProvider,
    tenantLimits,
    signals,
    webhooks,
    cache,
    settled,
    logger,
    handBack: shutdown.handBack,
    tracing: options.tracing,
  });
  closers.push(() => batchWorkers.close());
  const webhookWorker = await startWebhookWorker({
    config,
    db: database.db,
    redis: workerRedis,
    prefix,
    logger: logger.child({ component: 'webhook-worker' }),
    metrics,
  });
  closers.push(() => webhookWorker.close());
}
