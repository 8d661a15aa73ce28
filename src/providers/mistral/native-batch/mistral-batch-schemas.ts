import { z } from 'zod';
import type { NativeBatchOperation } from '../../native-batch/native-batch-capability.ts';

/**
 * Mistral's batch job statuses. `CANCELLATION_REQUESTED` is a cancel on its way; `TIMEOUT_EXCEEDED` a job
 * that ran past its `timeout_hours`.
 * @see https://docs.mistral.ai/api/endpoint/batch (BatchJobStatus)
 */
export const mistralBatchStatuses = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLATION_REQUESTED', 'CANCELLED'] as const;

export type MistralBatchStatus = (typeof mistralBatchStatuses)[number];

/**
 * The endpoints the gateway sends through Mistral's batch API, by operation (the API takes more:
 * FIM, moderations, OCR, …). One endpoint and one model per job.
 * @see https://docs.mistral.ai/capabilities/batch (endpoint, model)
 */
export const mistralBatchEndpointByOperation = {
  chat: '/v1/chat/completions',
  embeddings: '/v1/embeddings',
} as const satisfies Record<NativeBatchOperation, string>;

export type MistralBatchEndpoint = (typeof mistralBatchEndpointByOperation)[NativeBatchOperation];

/** The metadata key under which a job carries the gateway's part id (keys ≤ 32 characters, values ≤ 512). */
export const gatewayPartIdKey = 'gateway_part_id';

/**
 * Documented limits: up to 1 million pending requests per workspace (so no job can carry more), and an
 * input file of at most 512 MB (the Files API's limit on one file).
 * @see https://docs.mistral.ai/capabilities/batch (FAQ: max number of requests)
 * @see https://docs.mistral.ai/api/endpoint/files (Upload File)
 */
export const mistralBatchDefaultLimits = { maxRequestsPerBatch: 1_000_000, maxBytesPerBatch: 512 * 1024 * 1024 } as const;

/** `{message, count}`: why a job failed as a whole, `count` times. */
export const mistralBatchErrorSchema = z.looseObject({
  message: z.string(),
  count: z.number().int().nullish(),
});

/**
 * Mistral's batch job (`BatchJobOut`), as create, get, list and cancel answer it. Timestamps are Unix
 * seconds. Loose, for fields Mistral adds (`agent_id`, `outputs` of inline jobs, …); the status is
 * checked, so an unknown one is refused rather than guessed.
 * @see https://docs.mistral.ai/api/endpoint/batch (BatchJobOut)
 */
export const mistralBatchJobSchema = z.looseObject({
  id: z.string(),
  object: z.literal('batch').nullish(),
  input_files: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  endpoint: z.string(),
  model: z.string().nullish(),
  output_file: z.string().nullish(),
  error_file: z.string().nullish(),
  errors: z.array(mistralBatchErrorSchema),
  status: z.enum(mistralBatchStatuses),
  created_at: z.number().int(),
  total_requests: z.number().int().min(0),
  completed_requests: z.number().int().min(0).nullish(),
  succeeded_requests: z.number().int().min(0),
  failed_requests: z.number().int().min(0),
  started_at: z.number().int().nullish(),
  completed_at: z.number().int().nullish(),
});

export type MistralBatchJob = z.infer<typeof mistralBatchJobSchema>;

/**
 * `GET /v1/batch/jobs` (`BatchJobsOut`): one page of jobs and the total that match the filters.
 * @see https://docs.mistral.ai/api/endpoint/batch (Get Batch Jobs)
 */
export const mistralBatchJobListSchema = z.looseObject({
  data: z.array(mistralBatchJobSchema).default([]),
  object: z.literal('list').nullish(),
  total: z.number().int().min(0),
});

export type MistralBatchJobList = z.infer<typeof mistralBatchJobListSchema>;

/**
 * The answer to `POST /v1/files` (`UploadFileOut`), as far as the gateway reads it.
 * @see https://docs.mistral.ai/api/endpoint/files (Upload File)
 */
export const mistralUploadedFileSchema = z.looseObject({
  id: z.string().min(1),
  object: z.string().nullish(),
  filename: z.string().nullish(),
  purpose: z.string().nullish(),
  num_lines: z.number().int().nullish(),
});

/**
 * One line of a job's output or error file: the request's `custom_id`, and either the endpoint's answer
 * (`response.status_code` and `response.body`, an error body included) or an `error` for a request that
 * got none. The output file's lines are documented; the error file's are not, and are read the same way
 * (peers report the same shape there), with `error` taken as an object or a bare message.
 * @see https://docs.mistral.ai/capabilities/batch (Result File examples)
 */
export const mistralBatchOutputLineSchema = z.looseObject({
  id: z.string().nullish(),
  custom_id: z.string(),
  response: z.looseObject({ status_code: z.number().int(), body: z.unknown() }).nullish(),
  error: z.union([z.string(), z.looseObject({ message: z.string().nullish(), code: z.union([z.string(), z.number()]).nullish() })]).nullish(),
});

export type MistralBatchOutputLine = z.infer<typeof mistralBatchOutputLineSchema>;

/**
 * One line of a job's input file: `body` is the request body the endpoint takes (its `model` may be left
 * out, the job's is used; the gateway sends the synchronous body whole, model included).
 * @see https://docs.mistral.ai/capabilities/batch (Prepare and upload your batch)
 */
export interface MistralBatchInputLine {
  custom_id: string;
  body: Record<string, unknown>;
}
