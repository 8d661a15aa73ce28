import { z } from 'zod';

export const openAIBatchStatuses = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;

export type OpenAIBatchStatus = (typeof openAIBatchStatuses)[number];

/** The endpoints the gateway sends through OpenAI's Batch API (one per batch). */
export const openAIBatchEndpoints = ['/v1/chat/completions', '/v1/embeddings'] as const;

export type OpenAIBatchEndpoint = (typeof openAIBatchEndpoints)[number];

const timestamp = z.number().int().nullish();

/** A batch-level error (e.g. a malformed input line found while `validating`). */
export const openAIBatchErrorSchema = z.looseObject({
  code: z.string().nullish(),
  message: z.string().nullish(),
  param: z.string().nullish(),
  line: z.number().int().nullish(),
});

/**
 * OpenAI's Batch object, as `POST /batches`, `GET /batches/{id}` and `POST /batches/{id}/cancel` answer
 * it. Loose: OpenAI adds fields (`model`, `usage`, …) that the gateway does not read.
 * @see https://platform.openai.com/docs/api-reference/batch/object
 */
export const openAIBatchSchema = z.looseObject({
  id: z.string(),
  object: z.literal('batch'),
  endpoint: z.string(),
  status: z.enum(openAIBatchStatuses),
  input_file_id: z.string(),
  completion_window: z.string(),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  errors: z.looseObject({ object: z.string().nullish(), data: z.array(openAIBatchErrorSchema).nullish() }).nullish(),
  request_counts: z.looseObject({ total: z.number().int().min(0), completed: z.number().int().min(0), failed: z.number().int().min(0) }).nullish(),
  created_at: z.number().int(),
  in_progress_at: timestamp,
  expires_at: timestamp,
  finalizing_at: timestamp,
  completed_at: timestamp,
  failed_at: timestamp,
  expired_at: timestamp,
  cancelling_at: timestamp,
  cancelled_at: timestamp,
  metadata: z.record(z.string(), z.string()).nullish(),
});

export type OpenAIBatch = z.infer<typeof openAIBatchSchema>;

/**
 * One line of a batch's output or error file. Exactly one of `response` and `error` is set: `response`
 * for a request that reached the endpoint (its status and body, an error body included), `error` for
 * one that never ran (`batch_expired`, `batch_cancelled`).
 * @see https://platform.openai.com/docs/api-reference/batch/request-output
 */
export const openAIBatchOutputLineSchema = z.looseObject({
  id: z.string().nullish(),
  custom_id: z.string(),
  response: z
    .looseObject({
      status_code: z.number().int(),
      request_id: z.string().nullish(),
      body: z.unknown(),
    })
    .nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export type OpenAIBatchOutputLine = z.infer<typeof openAIBatchOutputLineSchema>;

/**
 * One line of a batch's input file.
 * @see https://platform.openai.com/docs/api-reference/batch/request-input
 */
export interface OpenAIBatchInputLine {
  custom_id: string;
  method: 'POST';
  url: OpenAIBatchEndpoint;
  body: Record<string, unknown>;
}
