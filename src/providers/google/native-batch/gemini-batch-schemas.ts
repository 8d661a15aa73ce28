import { z } from 'zod';
import type { GeminiGenerateContentRequest } from '../chat/gemini-schemas.ts';

/**
 * The Gemini API's Batch API (v1beta), as far as the gateway writes or reads it: a batch is a long-running
 * operation (`batches/{id}`) whose `metadata` is the `GenerateContentBatch` resource.
 * @see https://ai.google.dev/gemini-api/docs/batch-api
 * @see https://ai.google.dev/api/batch-api
 */

/**
 * `BatchState` as the API sends it (`BATCH_STATE_*`, in `metadata.state`), and the `JOB_STATE_*` names the
 * SDKs translate them to, which the guide's REST examples compare against: both are read.
 * @see https://ai.google.dev/api/batch-api#BatchState
 * @see https://github.com/googleapis/js-genai/blob/main/src/_transformers.ts (tJobState)
 */
export const geminiBatchStates = [
  'BATCH_STATE_UNSPECIFIED',
  'BATCH_STATE_PENDING',
  'BATCH_STATE_RUNNING',
  'BATCH_STATE_SUCCEEDED',
  'BATCH_STATE_FAILED',
  'BATCH_STATE_CANCELLED',
  'BATCH_STATE_EXPIRED',
  'JOB_STATE_UNSPECIFIED',
  'JOB_STATE_PENDING',
  'JOB_STATE_RUNNING',
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
] as const;

export type GeminiBatchState = (typeof geminiBatchStates)[number];

/** Protobuf int64 fields arrive as decimal strings in JSON; numbers are accepted too. */
const int64 = z.union([z.number().int().min(0), z.string().regex(/^\d+$/)]).transform(Number);

/**
 * `google.rpc.Status`: an operation's `error` and a failed line's `error`. Its `code` is the canonical
 * gRPC code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, …), not an HTTP status.
 * @see https://cloud.google.com/apis/design/errors#error_model
 */
export const geminiRpcStatusSchema = z.looseObject({
  code: z.number().int().optional(),
  message: z.string().optional(),
  status: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});

export type GeminiRpcStatus = z.infer<typeof geminiRpcStatusSchema>;

/**
 * `GenerateContentBatchOutput`: a responses file (input was a file) or the responses inline (input was
 * inline), never both.
 * @see https://ai.google.dev/api/batch-api#GenerateContentBatchOutput
 */
export const geminiBatchOutputSchema = z.looseObject({
  responsesFile: z.string().optional(),
  inlinedResponses: z.looseObject({ inlinedResponses: z.array(z.unknown()).optional() }).optional(),
});

/** `BatchStats`: request counts, int64 (strings on the wire). @see https://ai.google.dev/api/batch-api#BatchStats */
export const geminiBatchStatsSchema = z.looseObject({
  requestCount: int64.optional(),
  successfulRequestCount: int64.optional(),
  failedRequestCount: int64.optional(),
  pendingRequestCount: int64.optional(),
});

/**
 * `GenerateContentBatch`, the operation's `metadata`. Loose: fields the gateway does not read (`priority`,
 * `@type`) are kept.
 * @see https://ai.google.dev/api/batch-api#GenerateContentBatch
 */
export const geminiBatchResourceSchema = z.looseObject({
  name: z.string().optional(),
  model: z.string().optional(),
  displayName: z.string().optional(),
  inputConfig: z.looseObject({ fileName: z.string().optional() }).optional(),
  output: geminiBatchOutputSchema.optional(),
  createTime: z.string().optional(),
  updateTime: z.string().optional(),
  endTime: z.string().optional(),
  batchStats: geminiBatchStatsSchema.optional(),
  state: z.enum(geminiBatchStates).optional(),
});

/**
 * The long-running operation that `batchGenerateContent` answers and `batches.get` / `batches.list`
 * return: `done` once settled, then `response` (the output) or `error`.
 * @see https://ai.google.dev/api/batch-api#method:-batches.get
 */
export const geminiBatchOperationSchema = z.looseObject({
  name: z.string().regex(/^batches\/[^/]+$/),
  metadata: geminiBatchResourceSchema.optional(),
  done: z.boolean().optional(),
  response: geminiBatchOutputSchema.optional(),
  error: geminiRpcStatusSchema.optional(),
});

export type GeminiBatchOperation = z.infer<typeof geminiBatchOperationSchema>;

/**
 * `GET /batches` (a `ListOperationsResponse`). Operations are checked one by one, so that one odd batch
 * of the project does not hide the others.
 * @see https://ai.google.dev/api/batch-api#method:-batches.list
 */
export const geminiBatchListSchema = z.looseObject({
  operations: z.array(z.unknown()).optional(),
  nextPageToken: z.string().optional(),
});

/**
 * `media.upload`'s answer (`CreateFileResponse`): the file's resource name (`files/{id}`) is what the
 * batch's `inputConfig.fileName` takes.
 * @see https://ai.google.dev/api/files#method:-media.upload
 */
export const geminiCreateFileResponseSchema = z.looseObject({
  file: z.looseObject({ name: z.string().regex(/^files\/[^/]+$/), mimeType: z.string().optional(), sizeBytes: int64.optional(), state: z.string().optional() }),
});

/**
 * One line of a batch's responses file: the input line's `key`, then a `GenerateContentResponse` or the
 * status of the request that failed (exactly one of the two). The response is checked by the
 * synchronous response converter, not here. Lines come in no promised order: match them by `key`.
 * @see https://ai.google.dev/gemini-api/docs/batch-api#input-file
 */
export const geminiBatchResultLineSchema = z.looseObject({
  key: z.string(),
  response: z.unknown().optional(),
  error: geminiRpcStatusSchema.optional(),
});

export type GeminiBatchResultLine = z.infer<typeof geminiBatchResultLineSchema>;

/**
 * One line of a batch's input file: a user-defined key, echoed on the line's result, and the
 * `GenerateContentRequest` (the model is the batch's, named in the create call's path).
 * @see https://ai.google.dev/gemini-api/docs/batch-api#input-file
 */
export interface GeminiBatchInputLine {
  key: string;
  request: GeminiGenerateContentRequest;
}
