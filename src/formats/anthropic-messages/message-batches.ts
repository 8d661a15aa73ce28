import { z } from 'zod';
import { anthropicErrorType } from './anthropic-errors.ts';

/** Anthropic's limit on a Message Batch. @see https://docs.anthropic.com/en/api/creating-message-batches */
export const maxMessageBatchRequests = 100_000;

/** `custom_id`: 1 to 64 letters, digits, `_` or `-`, unique within the batch. */
export const messageBatchCustomIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'custom_id is required' : 'custom_id must be a string') })
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'custom_id must be 1 to 64 letters, digits, "_" or "-"' });

/** The create body: each request's `params` are a Messages request, checked as one when the batch is created. */
export const createMessageBatchSchema = z.looseObject({
  requests: z
    .array(
      z.looseObject({
        custom_id: messageBatchCustomIdSchema,
        params: z.looseObject({}, { error: (issue) => (issue.input === undefined ? 'params is required' : 'params must be an object (a Messages request)') }),
      }),
    )
    .min(1, { error: 'requests must list at least one request' })
    .max(maxMessageBatchRequests, { error: `a Message Batch takes at most ${maxMessageBatchRequests} requests` }),
});

export type CreateMessageBatch = z.infer<typeof createMessageBatchSchema>;

const requestCountsSchema = z.object({ processing: z.number().int(), succeeded: z.number().int(), errored: z.number().int(), canceled: z.number().int(), expired: z.number().int() });

/** @see https://docs.anthropic.com/en/api/retrieving-message-batches */
export const messageBatchSchema = z.object({
  id: z.string(),
  type: z.literal('message_batch'),
  processing_status: z.enum(['in_progress', 'canceling', 'ended']),
  request_counts: requestCountsSchema,
  ended_at: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  archived_at: z.string().nullable(),
  cancel_initiated_at: z.string().nullable(),
  results_url: z.string().nullable(),
});

export type MessageBatch = z.infer<typeof messageBatchSchema>;

export const messageBatchListSchema = z.object({ data: z.array(messageBatchSchema), has_more: z.boolean(), first_id: z.string().nullable(), last_id: z.string().nullable() });
export const deletedMessageBatchSchema = z.object({ id: z.string(), type: z.literal('message_batch_deleted') });

/** A gateway batch as the Message Batch it is: its status, its line counts, and its times. */
export interface MessageBatchSource {
  id: string;
  /** The gateway's batch status (`validating` … `cancelled`). */
  status: string;
  totalCount: number;
  completedCount: number;
  failedCount: number;
  /** Lines that did not succeed, by how they ended (their sum is `failedCount`). */
  unsuccessful: { failed: number; cancelled: number; expired: number };
  createdAt: Date;
  expiresAt: Date;
  cancellingAt: Date | null;
  /** When it reached its final status. */
  endedAt: Date | null;
}

const endedStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);

/**
 * A gateway batch → Anthropic's Message Batch: `in_progress` until it ends (`canceling` once a cancel
 * is under way); lines run and failed are `errored`, lines a cancel or the window's end kept from
 * running are `canceled` and `expired`. `results_url` is set once the batch has ended, as on Anthropic.
 */
export function toMessageBatch(batch: MessageBatchSource, resultsUrl: string): MessageBatch {
  const ended = endedStatuses.has(batch.status);
  const { failed, cancelled, expired } = batch.unsuccessful;
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : batch.status === 'cancelling' ? 'canceling' : 'in_progress',
    request_counts: {
      processing: ended ? 0 : Math.max(0, batch.totalCount - batch.completedCount - batch.failedCount),
      succeeded: batch.completedCount,
      errored: failed,
      canceled: cancelled,
      expired,
    },
    ended_at: ended ? (batch.endedAt ?? batch.createdAt).toISOString() : null,
    created_at: batch.createdAt.toISOString(),
    expires_at: batch.expiresAt.toISOString(),
    archived_at: null,
    cancel_initiated_at: batch.cancellingAt?.toISOString() ?? null,
    results_url: ended ? resultsUrl : null,
  };
}

/** A line's outcome, as its results line is made of. */
export interface MessageBatchLineSource {
  customId: string | null;
  /** `completed`, `failed`, `cancelled` or `expired`. */
  status: string;
  statusCode: number | null;
  /** The answer rendered as a Message (JSON text), for a completed line. */
  messageJson: string | null;
  errorMessage: string | null;
}

/**
 * One line of a Message Batch's results: `{custom_id, result}` with `succeeded` (the Message),
 * `errored` (an error in Anthropic's shape), `canceled` or `expired`.
 * @see https://docs.anthropic.com/en/api/retrieving-message-batch-results
 */
export function formatMessageBatchResultLine(line: MessageBatchLineSource): string {
  const customId = JSON.stringify(line.customId);
  if (line.status === 'completed' && line.messageJson !== null) return `{"custom_id":${customId},"result":{"type":"succeeded","message":${line.messageJson}}}`;
  if (line.status === 'cancelled') return `{"custom_id":${customId},"result":{"type":"canceled"}}`;
  if (line.status === 'expired') return `{"custom_id":${customId},"result":{"type":"expired"}}`;
  const error = { type: anthropicErrorType(line.statusCode ?? 500), message: line.errorMessage ?? 'The request failed.' };
  return JSON.stringify({ custom_id: line.customId, result: { type: 'errored', error: { type: 'error', error } } });
}
