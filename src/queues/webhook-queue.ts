import { Queue, type JobsOptions } from 'bullmq';
import { queuePrefix } from './queue-prefix.ts';
import { reportErrors } from '../redis/redis-connections.ts';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from '../redis/redis-connections.ts';

/** One queue for every delivery, next to the provider queues under the same Redis prefix. */
export const webhookQueueName = 'webhooks';

export interface WebhookJobData {
  deliveryId: string;
  /**
   * Delays before each retry, as the enqueuing process was configured: the job carries it so API
   * and workers may run different config revisions during a rollout (like chat jobs carry routes).
   */
  retryScheduleMs: number[];
  /**
   * The delivery's attempt number this job's first run makes (1 unless the job was queued again after
   * Redis lost it, when Postgres says how many attempts were made): the schedule goes on from there.
   */
  firstAttempt?: number;
}

/** The delivery's attempt number of a job run: its first attempt plus the runs before this one. */
export function attemptNumber(data: Pick<WebhookJobData, 'firstAttempt'>, attemptsMade: number): number {
  return (data.firstAttempt ?? 1) + attemptsMade;
}

/** Attempts a delivery gets in all: the immediate one, then one per scheduled delay. */
export function totalAttempts(retryScheduleMs: readonly number[]): number {
  return retryScheduleMs.length + 1;
}

export type WebhookQueue = Queue<WebhookJobData, void>;

export function openWebhookQueue(redis: RedisClient, prefix: string, logger: Logger): WebhookQueue {
  const queue = new Queue<WebhookJobData, void>(webhookQueueName, { connection: redis, prefix: queuePrefix(prefix, webhookQueueName) });
  reportErrors(queue, `queue ${webhookQueueName}`, logger);
  return queue;
}

export function webhookJobOptions(data: WebhookJobData): JobsOptions {
  return {
    jobId: data.deliveryId,
    // The first attempt is immediate; the schedule's length caps the retries (those left, for a restored job).
    attempts: Math.max(1, totalAttempts(data.retryScheduleMs) - (data.firstAttempt ?? 1) + 1),
    backoff: { type: 'webhook-schedule' },
    // The delivery log is in Postgres; removing finished jobs frees the job id for a redelivery.
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/** The delay before retry number `retry` (1 = the second attempt). */
export function webhookRetryDelay(retryScheduleMs: readonly number[], retry: number): number {
  return retryScheduleMs[retry - 1] ?? retryScheduleMs.at(-1) ?? 0;
}

/** BullMQ's custom backoffStrategy: `attemptsMade` counts the attempt that just failed. */
export function webhookBackoff(attemptsMade: number, _type?: string, _error?: Error, job?: { data?: unknown }): number {
  const data = job?.data as Partial<WebhookJobData> | undefined;
  return webhookRetryDelay(Array.isArray(data?.retryScheduleMs) ? data.retryScheduleMs : [], attemptNumber(data ?? {}, attemptsMade) - 1);
}

export async function addDeliveryJob(queue: WebhookQueue, data: WebhookJobData): Promise<void> {
  await queue.add('deliver', data, webhookJobOptions(data));
}

/**
 * Makes room for a redelivery: a job still waiting or delayed under this id is removed, so the
 * delivery starts again with its full schedule. An active one is left alone (it is being sent right
 * now) and reported as `in_flight`.
 */
export async function releaseDeliveryJob(queue: WebhookQueue, deliveryId: string): Promise<'released' | 'in_flight'> {
  const existing = await queue.getJob(deliveryId);
  if (!existing) return 'released';
  if ((await existing.getState()) === 'active') return 'in_flight';
  // Throws when the job became active meanwhile: then it is being sent, which is what was asked.
  return existing.remove().then(
    () => 'released' as const,
    () => 'in_flight' as const,
  );
}
