import { describe, expect, it } from 'vitest';
import { createMessageBatchSchema, formatMessageBatchResultLine, messageBatchSchema, toMessageBatch } from './message-batches.ts';

const base = {
  id: 'batch_1',
  totalCount: 10,
  completedCount: 4,
  failedCount: 3,
  unsuccessful: { failed: 1, cancelled: 2, expired: 0 },
  createdAt: new Date('2026-01-01T00:00:00Z'),
  expiresAt: new Date('2026-01-02T00:00:00Z'),
  cancellingAt: null,
  endedAt: null,
};

describe('Message Batches', () => {
  it('maps a running batch: processing counts what has not ended, no results_url', () => {
    const batch = toMessageBatch({ ...base, status: 'in_progress' }, 'http://gw/r');
    expect(messageBatchSchema.parse(batch)).toEqual(batch);
    expect(batch).toMatchObject({ processing_status: 'in_progress', request_counts: { processing: 3, succeeded: 4, errored: 1, canceled: 2, expired: 0 }, ended_at: null, results_url: null });
  });

  it('maps a cancelling batch to canceling and an ended one to ended with its results_url', () => {
    const cancelling = toMessageBatch({ ...base, status: 'cancelling', cancellingAt: new Date('2026-01-01T01:00:00Z') }, 'http://gw/r');
    expect(cancelling).toMatchObject({ processing_status: 'canceling', cancel_initiated_at: '2026-01-01T01:00:00.000Z' });
    const ended = toMessageBatch(
      { ...base, status: 'cancelled', completedCount: 4, failedCount: 6, unsuccessful: { failed: 1, cancelled: 5, expired: 0 }, endedAt: new Date('2026-01-01T02:00:00Z') },
      'http://gw/r',
    );
    expect(ended).toMatchObject({ processing_status: 'ended', ended_at: '2026-01-01T02:00:00.000Z', results_url: 'http://gw/r', request_counts: { processing: 0, canceled: 5 } });
  });

  it('writes each kind of result line', () => {
    const line = (status: string, extra: object = {}) =>
      JSON.parse(formatMessageBatchResultLine({ customId: 'a', status, statusCode: null, messageJson: null, errorMessage: null, ...extra })) as unknown;
    expect(line('completed', { messageJson: '{"type":"message"}' })).toEqual({ custom_id: 'a', result: { type: 'succeeded', message: { type: 'message' } } });
    expect(line('cancelled')).toEqual({ custom_id: 'a', result: { type: 'canceled' } });
    expect(line('expired')).toEqual({ custom_id: 'a', result: { type: 'expired' } });
    expect(line('failed', { statusCode: 404, errorMessage: "The model 'x' does not exist." })).toEqual({
      custom_id: 'a',
      result: { type: 'errored', error: { type: 'error', error: { type: 'not_found_error', message: "The model 'x' does not exist." } } },
    });
  });

  it('checks custom ids as Anthropic does', () => {
    const request = (customId: string) => ({ requests: [{ custom_id: customId, params: {} }] });
    expect(createMessageBatchSchema.safeParse(request('ok_id-1')).success).toBe(true);
    expect(createMessageBatchSchema.safeParse(request('has space')).success).toBe(false);
    expect(createMessageBatchSchema.safeParse(request('x'.repeat(65))).success).toBe(false);
    expect(createMessageBatchSchema.safeParse({ requests: [] }).success).toBe(false);
  });
});
