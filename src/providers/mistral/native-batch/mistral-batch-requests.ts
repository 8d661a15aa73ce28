import type { BatchFileUpload } from '../../native-batch/batch-http.ts';
import type { BatchWireRequest } from '../../native-batch/native-batch-types.ts';
import { openAIRequestHeaders, type OpenAIRequestSettings } from '../../openai/chat/convert-to-openai-request.ts';
import { gatewayPartIdKey, type MistralBatchEndpoint } from './mistral-batch-schemas.ts';

interface MistralBatchCallInput {
  config: OpenAIRequestSettings;
  /** Sent as `x-client-request-id`, as on the synchronous calls (the part's id, or the job's). */
  requestId: string;
}

/** The synchronous calls' headers (Bearer auth when a key is set, the configured extras), less content-type. */
function headersOf(input: MistralBatchCallInput): Record<string, string> {
  return Object.fromEntries(Object.entries(openAIRequestHeaders(input.config, input.requestId)).filter(([name]) => name.toLowerCase() !== 'content-type'));
}

/**
 * `POST /v1/files` with `purpose=batch` and the JSONL input file, streamed (the I/O side writes the
 * multipart framing and its content-type).
 * @see https://docs.mistral.ai/api/endpoint/files (Upload File)
 * @see https://docs.mistral.ai/capabilities/batch (Prepare and upload your batch)
 */
export function buildMistralBatchFileUpload(input: MistralBatchCallInput & { filename: string; content: () => AsyncIterable<string> }): BatchFileUpload {
  return {
    path: '/files',
    headers: headersOf(input),
    fields: { purpose: 'batch' },
    file: { fieldName: 'file', filename: input.filename, contentType: 'application/jsonl', content: input.content },
  };
}

/**
 * `POST /v1/batch/jobs` for an uploaded input file: one endpoint and one model per job, the part's id in
 * `metadata` (so a job whose create answer was lost can be found again). `timeout_hours` is left to
 * Mistral's default, 24.
 * @see https://docs.mistral.ai/api/endpoint/batch (Create Batch Job)
 */
export function buildCreateMistralBatchJobRequest(input: MistralBatchCallInput & { inputFileId: string; endpoint: MistralBatchEndpoint; model: string; partId: string }): BatchWireRequest {
  return {
    method: 'POST',
    path: '/batch/jobs',
    headers: openAIRequestHeaders(input.config, input.requestId),
    body: { input_files: [input.inputFileId], endpoint: input.endpoint, model: input.model, metadata: { [gatewayPartIdKey]: input.partId } },
  };
}

/** @see https://docs.mistral.ai/api/endpoint/batch (Get Batch Job) */
export function buildRetrieveMistralBatchJobRequest(input: MistralBatchCallInput & { jobId: string }): BatchWireRequest {
  return { method: 'GET', path: `/batch/jobs/${encodeURIComponent(input.jobId)}`, headers: headersOf(input) };
}

/** @see https://docs.mistral.ai/api/endpoint/batch (Cancel Batch Job) */
export function buildCancelMistralBatchJobRequest(input: MistralBatchCallInput & { jobId: string }): BatchWireRequest {
  return { method: 'POST', path: `/batch/jobs/${encodeURIComponent(input.jobId)}/cancel`, headers: headersOf(input) };
}

/**
 * One page of `GET /v1/batch/jobs`, newest first, of jobs created after `createdAfter`. The `metadata`
 * filter is not used: its query encoding is not documented (the SDKs explode the object into
 * `key=value` pairs); the caller matches the metadata on the jobs it reads instead.
 * @see https://docs.mistral.ai/api/endpoint/batch (Get Batch Jobs: page, page_size, created_after, order_by)
 */
export function buildListMistralBatchJobsRequest(input: MistralBatchCallInput & { createdAfter: Date; page: number; pageSize: number }): BatchWireRequest {
  const query = new URLSearchParams({ created_after: input.createdAfter.toISOString(), order_by: '-created', page: String(input.page), page_size: String(input.pageSize) });
  return { method: 'GET', path: `/batch/jobs?${query.toString()}`, headers: headersOf(input) };
}

/**
 * An output or error file's JSONL content.
 * @see https://docs.mistral.ai/api/endpoint/files (Download File: `GET /v1/files/{file_id}/content`)
 */
export function buildMistralFileContentRequest(input: MistralBatchCallInput & { fileId: string }): BatchWireRequest {
  return { method: 'GET', path: `/files/${encodeURIComponent(input.fileId)}/content`, headers: { ...headersOf(input), accept: 'application/octet-stream, application/jsonl' } };
}
