/** How a webhook attempt ended, as metrics count it. */
export type WebhookAttemptOutcome = 'delivered' | 'failed' | 'retrying' | 'disabled';

/** What the webhook worker reports each attempt to. */
export interface WebhookAttemptMetrics {
  recordWebhookAttempt(attempt: { eventType: string; outcome: WebhookAttemptOutcome }): void;
}
