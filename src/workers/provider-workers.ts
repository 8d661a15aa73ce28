import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logger.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import { providerQueueName, type ChatJobData, type ChatJobResult } from './chat-job.ts';
import { createChatJobProcessor, providerBackoff } from './chat-job-processor.ts';
import type { ResultStore } from './result-store.ts';

export interface ProviderWorkerPool {
  close(): Promise<void>;
}

/**
 * One BullMQ worker per provider queue, with the provider's concurrency. A p-limit per provider caps
 * in-flight calls across every queue of this process (batch and priority queues will share it).
 */
export async function startProviderWorkers(options: {
  config: GatewayConfig;
  providers: ReadonlyMap<string, ProviderClient>;
  redis: Redis;
  prefix: string;
  resultStore: ResultStore;
  logger: Logger;
}): Promise<ProviderWorkerPool> {
  const limits = new Map(Object.entries(options.config.providers).map(([name, provider]) => [name, pLimit(provider.concurrency)]));
  const unlimited = <T>(task: () => Promise<T>) => task();
  const processor = createChatJobProcessor({
    providers: options.providers,
    resultStore: options.resultStore,
    publisher: options.redis,
    logger: options.logger,
    limitProvider: (provider) => limits.get(provider) ?? unlimited,
  });

  const workers = Object.entries(options.config.providers).map(([name, provider]) => {
    const worker = new Worker<ChatJobData, ChatJobResult>(providerQueueName(name), processor, {
      // BullMQ duplicates this connection for its blocking reads; it needs maxRetriesPerRequest: null.
      connection: options.redis,
      prefix: options.prefix,
      concurrency: provider.concurrency,
      settings: { backoffStrategy: providerBackoff },
      autorun: true,
    });
    worker.on('error', (error) => options.logger.error({ err: error, provider: name }, 'worker error'));
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  options.logger.info({ queues: workers.map((worker) => worker.name) }, 'provider workers started');

  return {
    async close() {
      // Stop taking jobs, let active ones finish (BullMQ waits for them), then flush their records.
      await Promise.all(workers.map((worker) => worker.close()));
      await options.resultStore.flush();
    },
  };
}
