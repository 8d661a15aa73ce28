import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { queuePrefix } from '../queues/queue-prefix.ts';
import { reportErrors } from '../redis/redis-connections.ts';
import { workerLockOptions } from '../queues/worker-options.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Database } from '../db/client.ts';
import type { WebhookDeliveryStatus } from '../db/schema/webhooks.ts';
import type { Logger } from '../logging/logger.ts';
import type { WebhookAttemptMetrics } from './webhook-attempt-metrics.ts';
import { clearDefaultWebhookUrl, signingSecretFor } from './project-webhook-settings.ts';
import { allowListOf } from './ssrf-guard.ts';
import { findDelivery, recordAttempt } from './webhook-deliveries-store.ts';
import { webhookEventTypes } from './webhook-notifier.ts';
import { attemptNumber, totalAttempts, webhookBackoff, webhookQueueName, webhookRetryDelay, type WebhookJobData } from '../queues/webhook-queue.ts';
import { createWebhookSender, type AttemptResult, type WebhookSender } from './webhook-sender.ts';
import { serializePayload, signWebhook, type WebhookPayload } from './webhook-signing.ts';

export type AttemptOutcome = 'delivered' | 'disabled' | 'retry' | 'failed';

/**
 * Per Standard Webhooks: 2xx delivered; 410 Gone means the receiver is gone for good, so stop and
 * disable; anything else (other statuses, network errors, timeouts) is retried while the schedule
 * lasts. A URL the SSRF guard now refuses (its DNS changed since submission) is not retried.
 */
export function decideOutcome(result: AttemptResult, isLastAttempt: boolean): AttemptOutcome {
  if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) return 'delivered';
  if (result.statusCode === 410) return 'disabled';
  if (result.refused || isLastAttempt) return 'failed';
  return 'retry';
}

/** Thrown so BullMQ schedules the next attempt through `webhookBackoff`. */
class WebhookAttemptFailed extends Error {
  override readonly name = 'WebhookAttemptFailed';
}

export function createWebhookProcessor(deps: { db: Database; sender: WebhookSender; logger: Logger; metrics?: WebhookAttemptMetrics | undefined }) {
  const { db, sender } = deps;
  return async function processWebhookJob(job: Job<WebhookJobData, void>): Promise<void> {
    const { deliveryId } = job.data;
    const logger = deps.logger.child({ deliveryId, jobAttempt: job.attemptsMade + 1 });
    const delivery = await findDelivery(db, deliveryId);
    if (!delivery) {
      logger.warn('webhook delivery not found; dropping its job');
      return;
    }
    // A stalled job re-run after its attempt was recorded; the record wins.
    if (delivery.status !== 'pending') {
      logger.info({ status: delivery.status }, 'webhook delivery is no longer pending; skipping');
      return;
    }
    if (!isWebhookPayload(delivery.payload)) throw new UnrecoverableError(`webhook delivery ${deliveryId} has a malformed payload`);

    const body = serializePayload(delivery.payload);
    const secret = await signingSecretFor(db, delivery.projectId);
    const headers = signWebhook({ secret, id: delivery.id, body, sentAt: new Date() });
    const result = await sender.send({ url: delivery.url, headers, body });

    const retry = attemptNumber(job.data, job.attemptsMade);
    const outcome = decideOutcome(result, retry >= totalAttempts(job.data.retryScheduleMs));
    const nextAttemptAt = outcome === 'retry' ? new Date(Date.now() + webhookRetryDelay(job.data.retryScheduleMs, retry)) : null;
    const status: WebhookDeliveryStatus = outcome === 'retry' ? 'pending' : outcome;
    const attempt = await recordAttempt(db, {
      deliveryId,
      status,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      nextAttemptAt,
    });
    // Counted once the attempt is on record: a stalled job re-run after this point is skipped above.
    deps.metrics?.recordWebhookAttempt({ eventType: delivery.payload.type, outcome: outcome === 'retry' ? 'retrying' : outcome });
    const fields = { attempt, statusCode: result.statusCode, latencyMs: Math.round(result.latencyMs), error: result.error, outcome };
    if (outcome === 'delivered') logger.info(fields, 'webhook delivered');
    else logger.warn({ ...fields, nextAttemptAt }, 'webhook attempt failed');

    if (outcome === 'disabled') {
      // The receiver said 410 Gone: later events must not go to a project's default URL either.
      const cleared = await clearDefaultWebhookUrl(db, delivery.projectId, delivery.url);
      logger.warn({ projectId: delivery.projectId, url: delivery.url, clearedDefaultUrl: cleared }, 'webhook receiver answered 410 Gone; delivery disabled');
    }
    if (outcome === 'retry') throw new WebhookAttemptFailed(result.error ?? 'delivery failed');
  };
}

export interface WebhookWorker {
  close(): Promise<void>;
}

/** The consumer of the `webhooks` queue; runs in the `worker` and `all` roles. */
export async function startWebhookWorker(options: {
  config: GatewayConfig;
  db: Database;
  /** Needs maxRetriesPerRequest: null (BullMQ duplicates it for blocking reads). */
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Deliveries in flight per process. @defaultValue 16 */
  concurrency?: number;
  /** Told each attempt's outcome (`gateway_webhook_deliveries_total`). */
  metrics?: WebhookAttemptMetrics;
}): Promise<WebhookWorker> {
  // Fails fast on a malformed `webhooks.allowHosts` CIDR rather than at the first delivery.
  allowListOf(options.config.webhooks);
  const sender = createWebhookSender(options.config.webhooks);
  const worker = new Worker<WebhookJobData, void>(webhookQueueName, createWebhookProcessor({ db: options.db, sender, logger: options.logger, metrics: options.metrics }), {
    connection: options.redis,
    prefix: queuePrefix(options.prefix, webhookQueueName),
    concurrency: options.concurrency ?? 16,
    ...workerLockOptions(options.config),
    settings: { backoffStrategy: webhookBackoff },
    autorun: true,
  });
  reportErrors(worker, `worker ${webhookQueueName}`, options.logger);
  try {
    await worker.waitUntilReady();
  } catch (error) {
    await sender.close();
    throw error;
  }
  options.logger.info({ queue: webhookQueueName }, 'webhook worker started');
  return {
    async close() {
      await worker.close();
      await sender.close();
    },
  };
}

function isWebhookPayload(value: unknown): value is WebhookPayload {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.id === 'string' && typeof record.timestamp === 'string' && (webhookEventTypes as readonly unknown[]).includes(record.type) && 'data' in record;
}
