import { z } from 'zod';
import type { AnthropicMessagesRequest } from '../anthropic-wire-schemas.ts';

export const anthropicBatchProcessingStatuses = ['in_progress', 'canceling', 'ended'] as const;

export type AnthropicBatchProcessingStatus = (typeof anthropicBatchProcessingStatuses)[number];

/** RFC 3339 datetimes; null until the event happens. */
const datetime = z.string().nullish();

/**
 * Anthropic's Message Batch object, as create, retrieve and cancel answer it. Loose, for fields
 * Anthropic adds.
 * @see https://docs.anthropic.com/en/api/retrieving-message-batches
 */
export const anthropicMessageBatchSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message_batch'),
  processing_status: z.enum(anthropicBatchProcessingStatuses),
  request_counts: z.looseObject({
    processing: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    errored: z.number().int().min(0),
    canceled: z.number().int().min(0),
    expired: z.number().int().min(0),
  }),
  results_url: z.string().nullish(),
  created_at: z.string(),
  expires_at: datetime,
  ended_at: datetime,
  cancel_initiated_at: datetime,
  archived_at: datetime,
});

export type AnthropicMessageBatch = z.infer<typeof anthropicMessageBatchSchema>;

/**
 * An errored line's error: the Messages API's error body (`{"type":"error","error":{type,message}}`).
 * Early documentation showed the inner `{type, message}` alone, which is accepted too.
 */
const erroredResultSchema = z.looseObject({
  type: z.literal('errored'),
  error: z.union([z.looseObject({ type: z.literal('error'), error: z.looseObject({ type: z.string(), message: z.string() }) }), z.looseObject({ type: z.string(), message: z.string() })]),
});

/**
 * One line of a batch's results (JSONL, in no particular order: match lines by `custom_id`). The
 * succeeded `message` is checked by the synchronous response converter, not here.
 * @see https://docs.anthropic.com/en/api/retrieving-message-batch-results
 */
export const anthropicBatchResultLineSchema = z.looseObject({
  custom_id: z.string(),
  result: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('succeeded'), message: z.unknown() }),
    erroredResultSchema,
    z.looseObject({ type: z.literal('canceled') }),
    z.looseObject({ type: z.literal('expired') }),
  ]),
});

export type AnthropicBatchResultLine = z.infer<typeof anthropicBatchResultLineSchema>;

/**
 * One request of `POST /messages/batches`. `custom_id` must match `^[a-zA-Z0-9_-]{1,64}$` and be unique
 * within the batch.
 * @see https://docs.anthropic.com/en/api/creating-message-batches
 */
export interface AnthropicBatchRequest {
  custom_id: string;
  params: AnthropicMessagesRequest;
}

export const anthropicCustomIdPattern = /^[a-zA-Z0-9_-]{1,64}$/;
