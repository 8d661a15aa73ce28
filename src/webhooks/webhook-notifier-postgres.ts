import type { RedisClient } from '../redis/redis-connections.ts';
import { webhooksSchema } from '../config/gateway-config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logging/logger.ts';
import { findProjectWebhookUrl } from './project-webhook-settings.ts';
import { findDelivery, insertDelivery, markPending } from './webhook-deliveries-store.ts';
import type { WebhookEventInput, WebhookNotifier } from './webhook-notifier.ts';
import { addDeliveryJob, openWebhookQueue, releaseDeliveryJob, type WebhookJobData } from '../queues/webhook-queue.ts';
import { buildWebhookPayload, deliveryIdFor } from './webhook-signing.ts';

/** The notifier plus what the delivery API needs from the same queue. */
export interface WebhookService extends WebhookNotifier {
  /**
   * Sends a recorded delivery again: same id, its full retry schedule, new attempts appended to its
   * log. `in_flight` when an attempt is running right now (nothing else is queued then).
   */
  redeliver(deliveryId: string): Promise<'queued' | 'in_flight'>;
}

const defaultRetryScheduleMs = webhooksSchema.parse({}).retryScheduleMs;

/**
 * Records deliveries in Postgres and queues them on the `webhooks` queue; workers send them
 * (`webhook-worker.ts`). Used by API processes and by workers (batch finalisation, async jobs).
 */
export function createWebhookNotifier(options: {
  db: Database;
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** `webhooks.retryScheduleMs`; travels in each job. @defaultValue Standard Webhooks' schedule */
  retryScheduleMs?: readonly number[];
}): WebhookService {
  const { db, logger } = options;
  const queue = openWebhookQueue(options.redis, options.prefix, logger);
  const jobData = (deliveryId: string): WebhookJobData => ({ deliveryId, retryScheduleMs: [...(options.retryScheduleMs ?? defaultRetryScheduleMs)] });

  return {
    async notify(event: WebhookEventInput): Promise<string | undefined> {
      const url = event.url ?? (await findProjectWebhookUrl(db, event.projectId))?.webhookUrl;
      if (!url) return undefined;
      const id = deliveryIdFor(event);
      const payload = buildWebhookPayload({ id, type: event.type, data: event.data, occurredAt: new Date() });
      const inserted = await insertDelivery(db, { id, projectId: event.projectId, eventType: event.type, subjectId: event.subjectId, url, payload });
      if (!inserted) {
        // Recorded before. Queue it only if that earlier call died between the insert and the enqueue
        // (pending, never attempted, no job): otherwise the event would be lost, not duplicated.
        const existing = await findDelivery(db, id);
        if (existing?.status === 'pending' && existing.attempts === 0 && !(await queue.getJob(id))) {
          await addDeliveryJob(queue, jobData(id));
          logger.warn({ deliveryId: id, subjectId: event.subjectId }, 'webhook delivery was recorded but not queued; queued it now');
        }
        return id;
      }
      await addDeliveryJob(queue, jobData(id));
      logger.info({ deliveryId: id, eventType: event.type, subjectId: event.subjectId, projectId: event.projectId }, 'webhook queued');
      return id;
    },

    async redeliver(deliveryId: string): Promise<'queued' | 'in_flight'> {
      if ((await releaseDeliveryJob(queue, deliveryId)) === 'in_flight') return 'in_flight';
      // Pending before the job exists: the worker skips deliveries that are not pending.
      await markPending(db, deliveryId);
      await addDeliveryJob(queue, jobData(deliveryId));
      logger.info({ deliveryId }, 'webhook redelivery queued');
      return 'queued';
    },

    async close(): Promise<void> {
      await queue.close();
    },
  };
}
