import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookEventType } from './webhook-notifier.ts';

/** The body every webhook carries, per Standard Webhooks. */
export interface WebhookPayload {
  /** The delivery id, also the `webhook-id` header. */
  id: string;
  type: WebhookEventType;
  /** When the event happened (ISO 8601), the same on every retry. */
  timestamp: string;
  data: unknown;
}

export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** `whsec_` + base64 of 32 random bytes: the format Standard Webhooks libraries accept as is. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Deterministic, so the same event about the same subject always gets the same id: a re-run batch
 * finalisation inserts nothing new (the row's primary key conflicts) and nothing is sent twice.
 */
export function deliveryIdFor(event: { projectId: string; subjectId: string; type: WebhookEventType }): string {
  const digest = createHash('sha256').update(`${event.projectId}\n${event.subjectId}\n${event.type}`).digest('base64url');
  return `msg_${digest.slice(0, 24)}`;
}

export function buildWebhookPayload(input: { id: string; type: WebhookEventType; data: unknown; occurredAt: Date }): WebhookPayload {
  return { id: input.id, type: input.type, timestamp: input.occurredAt.toISOString(), data: input.data };
}

/**
 * The exact body sent. Postgres' jsonb does not keep key order, so the top-level order is rebuilt
 * here; every attempt of a delivery sends the same bytes (jsonb's own order is deterministic).
 */
export function serializePayload(payload: WebhookPayload): string {
  return JSON.stringify({ id: payload.id, type: payload.type, timestamp: payload.timestamp, data: payload.data });
}

/**
 * Signs with the standardwebhooks library rather than our own HMAC code, so what receivers verify
 * with the same library is what we send. The timestamp is the attempt's, not the event's: receivers
 * refuse signatures older than five minutes, and retries run for hours.
 */
export function signWebhook(input: { secret: string; id: string; body: string; sentAt: Date }): WebhookSignatureHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(input.sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(input.secret).sign(input.id, input.sentAt, input.body),
  };
}
