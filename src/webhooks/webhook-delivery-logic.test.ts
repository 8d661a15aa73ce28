import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookBackoff, webhookJobOptions, webhookRetryDelay } from '../queues/webhook-queue.ts';
import { buildWebhookPayload, deliveryIdFor, generateWebhookSecret, serializePayload, signWebhook } from './webhook-signing.ts';
import { decideOutcome } from './webhook-worker.ts';

describe('webhook signing', () => {
  it('derives one delivery id per (project, subject, type)', () => {
    const event = { projectId: 'proj_1', subjectId: 'batch_1', type: 'batch.completed' as const };
    expect(deliveryIdFor(event)).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(deliveryIdFor(event)).toBe(deliveryIdFor({ ...event }));
    expect(deliveryIdFor(event)).not.toBe(deliveryIdFor({ ...event, type: 'batch.failed' }));
    expect(deliveryIdFor(event)).not.toBe(deliveryIdFor({ ...event, subjectId: 'batch_2' }));
  });

  it('signs so that the standardwebhooks library verifies it', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const payload = buildWebhookPayload({ id: 'msg_x', type: 'job.completed', data: { id: 'job_1' }, occurredAt: new Date('2025-01-02T03:04:05Z') });
    const body = serializePayload(payload);
    expect(body).toBe('{"id":"msg_x","type":"job.completed","timestamp":"2025-01-02T03:04:05.000Z","data":{"id":"job_1"}}');
    const sentAt = new Date();
    const headers = signWebhook({ secret, id: 'msg_x', body, sentAt });
    expect(headers['webhook-id']).toBe('msg_x');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(sentAt.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(payload);
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });
});

describe('retry schedule', () => {
  it('caps attempts at the schedule length plus the first attempt', () => {
    expect(webhookJobOptions({ deliveryId: 'msg_a', retryScheduleMs: [5, 10, 20] })).toMatchObject({ jobId: 'msg_a', attempts: 4 });
  });

  it('reads each retry delay from the schedule the job carries', () => {
    const job = { data: { deliveryId: 'msg_a', retryScheduleMs: [5_000, 300_000, 1_800_000] } };
    expect([1, 2, 3].map((made) => webhookBackoff(made, 'webhook-schedule', undefined, job))).toEqual([5_000, 300_000, 1_800_000]);
    expect(webhookRetryDelay([], 1)).toBe(0);
  });

  it('decides the outcome of an attempt', () => {
    const result = (statusCode: number | null, refused = false) => ({ statusCode, latencyMs: 1, error: null, refused });
    expect(decideOutcome(result(204), false)).toBe('delivered');
    expect(decideOutcome(result(410), false)).toBe('disabled');
    expect(decideOutcome(result(500), false)).toBe('retry');
    expect(decideOutcome(result(301), false)).toBe('retry');
    expect(decideOutcome(result(null), false)).toBe('retry');
    expect(decideOutcome(result(500), true)).toBe('failed');
    expect(decideOutcome(result(null, true), false)).toBe('failed');
  });
});
