import { Worker } from 'bullmq';
import { queuePrefix } from '../queues/queue-prefix.ts';
import { duplicateRedis, reportErrors } from '../redis/redis-connections.ts';
import { QueueRegistry } from '../queues/queue-registry.ts';
import { handingBack } from '../durability/hand-back.ts';
import { workerLockOptions } from '../queues/worker-options.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import type { RetryPolicy } from '../routing/failover-decision.ts';
import type { RouteSignals } from '../execution/call-route.ts';
import { requestJobOptionsFor, providerQueueName, type RequestJobData, type RequestJobResult } from '../queues/request-job.ts';
import { createRequestJobProcessor, type RequestJobLifecycle } from './request-job-processor.ts';
import { providerBackoff } from './provider-backoff.ts';
import type { LimitProvider } from '../limits/provider/provider-limits.ts';
import type { ResultStore } from '../records/result-store.ts';
import type { GatewayCache } from '../cache/gateway-cache.ts';
import { streamCancelChannel } from '../queues/stream-messages.ts';
import { ActiveStreams } from './stream-run.ts';
import type { Tracing } from '../observability/tracing.ts';

export interface ProviderWorkerPool {
  close(): Promise<void>;
}

/**
 * One BullMQ worker per provider queue, with the provider's concurrency. Every call goes through
 * `limitProvider` (the global limiter in Redis), shared with batch lines and every other process.
 */
export async function startProviderWorkers(options: {
  config: GatewayConfig;
  providers: ReadonlyMap<string, ProviderClient>;
  redis: RedisClient;
  prefix: string;
  resultStore: ResultStore;
  logger: Logger;
  limitProvider: LimitProvider;
  lifecycle?: RequestJobLifecycle;
  /** Circuit breakers and route latencies (routing). */
  signals?: RouteSignals;
  retryPolicy?: RetryPolicy;
  /** See `routing.maxSlotWaitMs`. */
  maxSlotWaitMs?: number;
  cache?: GatewayCache;
  /** The drain deadline's signal: jobs still held then go back to their queues. */
  handBack?: AbortSignal;
  /** Spans of each job run and its provider calls. @defaultValue no tracing */
  tracing?: Tracing;
}): Promise<ProviderWorkerPool> {
  // Replies go out on a connection of their own that sends every PUBLISH of an event-loop turn in one
  // write: a group commit resolves many jobs at once, and one socket write each cost more CPU than the
  // rest of the reply. Only PUBLISH runs on it (BullMQ's own commands stay on the plain connection).
  const publisher = duplicateRedis(options.redis, `${options.prefix}-replies`, options.logger, { enableAutoPipelining: true });
  // Streams whose client went away: the API broadcasts the request id, the process running it aborts it.
  const activeStreams = new ActiveStreams();
  const cancelSubscriber = duplicateRedis(options.redis, `${options.prefix}-stream-cancels`, options.logger);
  cancelSubscriber.on('message', (_channel: string, requestId: string) => {
    if (activeStreams.cancel(requestId)) options.logger.info({ requestId }, 'stream cancelled by its client');
  });
  await cancelSubscriber.subscribe(streamCancelChannel(options.prefix));
  const processor = createRequestJobProcessor({
    activeStreams,
    ...(options.cache ? { cache: options.cache } : {}),
    providers: options.providers,
    resultStore: options.resultStore,
    publisher,
    logger: options.logger,
    limitProvider: options.limitProvider,
    ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
    ...options.signals,
    ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    ...(options.maxSlotWaitMs === undefined ? {} : { maxSlotWaitMs: options.maxSlotWaitMs }),
    ...(options.handBack ? { handBack: options.handBack } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    enqueueHop: async (data) => {
      const provider = data.routes[data.routeIndex]?.provider ?? '';
      await hopQueue(provider).add('chat', data, requestJobOptionsFor(data, options.config));
    },
  });
  // A fallback hop goes onto the next route's provider queue, so that provider's workers and limits apply.
  const hopQueues = new QueueRegistry({ redis: options.redis, prefix: options.prefix, logger: options.logger });
  const hopQueue = (provider: string) => hopQueues.get<RequestJobData>(providerQueueName(provider));

  const workers = Object.entries(options.config.providers).map(([name, provider]) => {
    const worker = new Worker<RequestJobData, RequestJobResult>(providerQueueName(name), handingBack(processor, options.handBack), {
      // BullMQ duplicates this connection for its blocking reads; it needs maxRetriesPerRequest: null.
      connection: options.redis,
      prefix: queuePrefix(options.prefix, providerQueueName(name)),
      concurrency: provider.concurrency,
      ...workerLockOptions(options.config),
      settings: { backoffStrategy: providerBackoff },
      autorun: true,
    });
    reportErrors(worker, `worker ${providerQueueName(name)}`, options.logger);
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady())).catch((error: unknown) => {
    publisher.disconnect();
    cancelSubscriber.disconnect();
    throw error;
  });
  options.logger.info({ queues: workers.map((worker) => worker.name) }, 'provider workers started');

  return {
    async close() {
      // Stop taking jobs, let active ones finish (BullMQ waits for them), then flush their records.
      await Promise.all(workers.map((worker) => worker.close()));
      await hopQueues.close();
      await options.resultStore.flush();
      await publisher.quit().catch(() => publisher.disconnect());
      await cancelSubscriber.quit().catch(() => cancelSubscriber.disconnect());
    },
  };
}
