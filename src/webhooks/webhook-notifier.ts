/** Events the gateway sends; payload `{ id, type, timestamp, data }` per Standard Webhooks. */
export const webhookEventTypes = ['batch.completed', 'batch.failed', 'batch.cancelled', 'batch.expired', 'job.completed', 'job.failed'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export interface WebhookEventInput {
  projectId: string;
  /** The batch's or job's own webhook URL; null/undefined falls back to the project's default URL. */
  url: string | null | undefined;
  type: WebhookEventType;
  /** The batch or job id the event is about. */
  subjectId: string;
  /** The batch object or the job object, as the API shows it. */
  data: unknown;
}

/**
 * Records a delivery in Postgres and queues it on the webhooks BullMQ queue. Idempotent per
 * (subjectId, type): a re-run finalisation never sends the same event twice. Resolves to the
 * delivery id (the `webhook-id` header), or undefined when there is no URL to send to.
 */
export interface WebhookNotifier {
  notify(event: WebhookEventInput): Promise<string | undefined>;
  close(): Promise<void>;
}
