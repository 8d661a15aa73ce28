import { Queue } from 'bullmq';
import { queuePrefix } from './queue-prefix.ts';
import { reportErrors } from '../redis/redis-connections.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import { batchChunkQueueName, batchControlQueueName, nativeBatchQueueName } from './batch-queues.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { providerQueueName } from './request-job.ts';
import { webhookQueueName } from './webhook-queue.ts';

export type GatewayQueueKind = 'chat' | 'batch-chunk' | 'batch-control' | 'batch-native' | 'webhooks';

export interface GatewayQueueName {
  name: string;
  kind: GatewayQueueKind;
  /** The provider instance of a chat or batch-chunk queue. */
  provider: string | null;
}

/** Every BullMQ queue this gateway's config implies, in a stable order: per provider, then shared ones. */
export function gatewayQueueNames(config: Pick<GatewayConfig, 'providers'>): GatewayQueueName[] {
  const providers = Object.keys(config.providers);
  return [
    ...providers.map((provider) => ({ name: providerQueueName(provider), kind: 'chat' as const, provider })),
    ...providers.map((provider) => ({ name: batchChunkQueueName(provider), kind: 'batch-chunk' as const, provider })),
    { name: batchControlQueueName, kind: 'batch-control', provider: null },
    { name: nativeBatchQueueName, kind: 'batch-native', provider: null },
    { name: webhookQueueName, kind: 'webhooks', provider: null },
  ];
}

export interface OpenGatewayQueue extends GatewayQueueName {
  queue: Queue;
}

/**
 * Read handles on the gateway's queues for observers (the queue board, the dashboard): they add no
 * jobs. They share the given connection, which `close()` leaves open.
 */
export function openGatewayQueues(options: { config: Pick<GatewayConfig, 'providers'>; redis: RedisClient; prefix: string; logger: Logger }): {
  queues: OpenGatewayQueue[];
  close(): Promise<void>;
} {
  const queues = gatewayQueueNames(options.config).map((entry) => {
    const queue = new Queue(entry.name, { connection: options.redis, prefix: queuePrefix(options.prefix, entry.name) });
    reportErrors(queue, `queue ${entry.name}`, options.logger);
    return { ...entry, queue };
  });
  return {
    queues,
    async close() {
      await Promise.all(queues.map((entry) => entry.queue.close()));
    },
  };
}
