import { batchRecoveryTask } from '../batches/batch-recovery.ts';
import { redisTargetOf } from '../config/redis-target.ts';
import type { Environment } from '../config/env.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { sweepExpiredIdempotencyKeys } from '../idempotency/idempotency-store.ts';
import { asyncJobLifecycle } from '../async-jobs/async-jobs.ts';
import { asyncJobRecoveryTask } from '../async-jobs/async-job-recovery.ts';
import type { Logger } from '../logging/logger.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { SettledRequests } from '../observability/settled-requests.ts';
import { QueueRegistry } from '../queues/queue-registry.ts';
import { openRedis } from '../redis/redis-connections.ts';
import type { WebhookNotifier } from '../webhooks/webhook-notifier.ts';
import { webhookRecoveryTask } from '../webhooks/webhook-recovery.ts';
import { ResultStore } from '../records/result-store.ts';
import { LeaderLock } from '../durability/leader-lock.ts';
import { Reconciler } from '../durability/reconciler.ts';
import { RedisEpochWatcher } from '../durability/redis-epoch.ts';

export interface Durability {
  /** Tells this process's listeners (the API's waiting sync calls) when Redis lost data. */
  watcher: RedisEpochWatcher;
  reconciler: Reconciler;
  close(): Promise<void>;
}

/**
 * The reconciler and the Redis epoch watcher of one process, in every role. Each kind of work Postgres
 * records and Redis carries registers its task here; a later capability adds its own line.
 */
export async function startDurability(options: {
  environment: Environment;
  config: GatewayConfig;
  database: DatabaseHandle;
  prefix: string;
  logger: Logger;
  webhooks: WebhookNotifier;
  settled: SettledRequests;
  metrics: Pick<GatewayMetrics, 'recordReconcile' | 'recordRedisLoss'>;
}): Promise<Durability> {
  const { environment, config, database, prefix } = options;
  const logger = options.logger.child({ component: 'reconciler' });
  // Its own connection, quick to give up: a pass while Redis is away fails and the next one retries.
  const redis = openRedis(redisTargetOf(environment), { maxRetriesPerRequest: 1, enableAutoPipelining: true, connectionName: `${prefix}-reconciler` }, logger);
  const queues = new QueueRegistry({ redis, prefix, logger });
  const watcher = new RedisEpochWatcher({ redis, prefix, intervalMs: config.durability.redisCheckIntervalMs, logger });
  watcher.onLoss((reason) => options.metrics.recordRedisLoss(reason));
  const lock = new LeaderLock({ databaseUrl: environment.DATABASE_URL, prefix, applicationName: `llm-gateway-${environment.GATEWAY_ROLE}-reconciler`, logger });
  const reconciler = new Reconciler({
    lock,
    watcher,
    intervalMs: config.durability.reconcileIntervalMs,
    logger,
    onReport: (report) => options.metrics.recordReconcile(report),
  });
  const { pool } = database;
  reconciler.register(batchRecoveryTask({ pool, redis, prefix, queues, config }));
  reconciler.register(
    asyncJobRecoveryTask({
      pool,
      redis,
      queues,
      config,
      resultStore: new ResultStore(database.db, { settled: options.settled }),
      lifecycle: asyncJobLifecycle({ pool, webhooks: options.webhooks }),
    }),
  );
  reconciler.register(webhookRecoveryTask({ pool, redis, queues, retryScheduleMs: config.webhooks.retryScheduleMs }));
  // Upkeep rides along: Idempotency-Key answers past their 24 hours.
  reconciler.register({ name: 'idempotency-keys', run: () => sweepExpiredIdempotencyKeys(pool) });

  await watcher.start();
  await reconciler.start();
  return {
    watcher,
    reconciler,
    async close() {
      watcher.close();
      await reconciler.close();
      await queues.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
