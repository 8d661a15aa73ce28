import { Queue, Worker } from 'bullmq';
import { queuePrefix } from '../queues/queue-prefix.ts';
import { reportErrors } from '../redis/redis-connections.ts';
import { workerLockOptions } from '../queues/worker-options.ts';
import { QueueRegistry } from '../queues/queue-registry.ts';
import { handingBack } from '../durability/hand-back.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../db/client.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import type { WebhookNotifier } from '../webhooks/webhook-notifier.ts';
import { createBatchChunkProcessor } from './batch-chunk-processor.ts';
import type { GatewayCache } from '../cache/gateway-cache.ts';
import type { SettledRequests } from '../observability/settled-requests.ts';
import { createBatchControlProcessor } from './batch-control-processor.ts';
import {
  batchChunkQueueName,
  batchControlQueueName,
  controlJobOptions,
  nativeBatchQueueName,
  sweepGraceMs,
  type BatchChunkJob,
  type BatchControlJob,
  type NativeBatchJob,
} from '../queues/batch-queues.ts';
import { createNativeBatchProcessor } from './native-batch-processor.ts';
import { BatchResultWriter } from '../records/batch-result-writer.ts';
import type { LimitProvider } from '../limits/provider/provider-limits.ts';
import type { TenantWorkerLimits } from '../limits/tenant/tenant-limits-wiring.ts';
import type { RoutingSignalsReader } from '../routing/routing-signals.ts';
import type { RouteSignals } from '../execution/call-route.ts';
import type { Tracing } from '../observability/tracing.ts';

export interface BatchWorkers {
  close(): Promise<void>;
}

/**
 * The worker side of batches: one control worker (lifecycle steps) and, per provider, a chunk worker
 * whose lines share the provider's limiter with sync calls in this process.
 */
export async function startBatchWorkers(options: {
  config: GatewayConfig;
  providers: ReadonlyMap<string, ProviderClient>;
  pool: pg.Pool;
  db: Database;
  redis: RedisClient;
  prefix: string;
  limitProvider: LimitProvider;
  /** Spend budgets: lines stop once their key or project is over one; billed cost is counted. */
  tenantLimits?: Pick<TenantWorkerLimits, 'meter' | 'budgetGate' | 'reservations'>;
  /** Circuit breakers and latencies: lines fall back across routes as sync calls do. */
  signals?: RouteSignals & RoutingSignalsReader;
  webhooks: WebhookNotifier;
  /** The response cache: lines look their answers up and store them, under the config's policy. */
  cache?: GatewayCache;
  /** Told every line once committed (metrics, the request log). */
  settled?: SettledRequests;
  logger: Logger;
  /** The drain deadline's signal: chunks still running then go back to their queues. */
  handBack?: AbortSignal;
  /** Spans of control steps, chunks and sampled lines. @defaultValue no tracing */
  tracing?: Tracing;
}): Promise<BatchWorkers> {
  const { config, redis, prefix } = options;
  const logger = options.logger.child({ component: 'batch-worker' });
  const controlQueue = new Queue<BatchControlJob>(batchControlQueueName, { connection: redis, prefix: queuePrefix(prefix, batchControlQueueName) });
  reportErrors(controlQueue, `queue ${batchControlQueueName}`, logger);
  const nativeQueue = new Queue<NativeBatchJob>(nativeBatchQueueName, { connection: redis, prefix: queuePrefix(prefix, nativeBatchQueueName) });
  reportErrors(nativeQueue, `queue ${nativeBatchQueueName}`, logger);
  const chunkQueues = new QueueRegistry({ redis, prefix, logger });
  const chunkQueue = (provider: string) => chunkQueues.get<BatchChunkJob>(batchChunkQueueName(provider));
  const writer = new BatchResultWriter(
    options.pool,
    async (batchIds) => {
      for (const batchId of batchIds) {
        await controlQueue.add('finalize', { type: 'finalize', batchId }, controlJobOptions({ type: 'finalize', batchId }));
      }
    },
    {
      ...(options.tenantLimits ? { onBilled: options.tenantLimits.meter.afterBatchBilled } : {}),
      ...(options.settled ? { settled: options.settled } : {}),
      outage: { maxWaitMs: config.durability.outageWaitMs, logger, what: 'batch line outcomes' },
    },
  );

  const controlWorker = new Worker<BatchControlJob>(
    batchControlQueueName,
    createBatchControlProcessor({
      config,
      pool: options.pool,
      db: options.db,
      redis,
      prefix,
      writer,
      controlQueue,
      chunkQueue,
      nativeQueue,
      webhooks: options.webhooks,
      logger,
      sweepGraceMs: sweepGraceMs(config),
      ...(options.tracing ? { tracing: options.tracing } : {}),
    }),
    { connection: redis, prefix: queuePrefix(prefix, batchControlQueueName), concurrency: 4, ...workerLockOptions(config) },
  );
  const chunkProcessor = createBatchChunkProcessor({
    config,
    pool: options.pool,
    redis,
    prefix,
    providers: options.providers,
    limitProvider: options.limitProvider,
    ...(options.tenantLimits ? { budgetGate: options.tenantLimits.budgetGate } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    writer,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.handBack ? { handBack: options.handBack } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    logger,
  });
  const chunkWorkers = Object.entries(config.providers).map(
    ([name, provider]) =>
      new Worker<BatchChunkJob>(batchChunkQueueName(name), handingBack(chunkProcessor, options.handBack), {
        connection: redis,
        prefix: queuePrefix(prefix, batchChunkQueueName(name)),
        // Enough chunks to keep the provider busy while the next chunk is read.
        concurrency: Math.max(2, Math.ceil(provider.concurrency / config.batches.chunkSize) + 1),
        ...workerLockOptions(config),
      }),
  );
  // Provider batches: each job a short step (submit, one poll, one read-in), delayed in between, so a
  // few at a time serve many; none runs while no provider has a batch API enabled.
  const nativeWorker = new Worker<NativeBatchJob>(
    nativeBatchQueueName,
    createNativeBatchProcessor({
      config,
      pool: options.pool,
      providers: options.providers,
      writer,
      chunkQueue,
      ...(options.tenantLimits ? { budgetGate: options.tenantLimits.budgetGate, reservations: options.tenantLimits.reservations } : {}),
      logger: logger.child({ component: 'native-batch' }),
    }),
    { connection: redis, prefix: queuePrefix(prefix, nativeBatchQueueName), concurrency: 4, ...workerLockOptions(config) },
  );
  const workers = [controlWorker, nativeWorker, ...chunkWorkers];
  for (const worker of workers) reportErrors(worker, `worker ${worker.name}`, logger);
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await writer.flush();
      await Promise.all([controlQueue.close(), nativeQueue.close(), chunkQueues.close()]);
    },
  };
}
