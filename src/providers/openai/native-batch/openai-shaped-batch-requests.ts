import type { NativeBatchOperation } from '../../native-batch/native-batch-capability.ts';
import type { BatchWireRequest } from '../../native-batch/native-batch-types.ts';
import { openAIRequestHeaders, type OpenAIRequestSettings } from '../chat/convert-to-openai-request.ts';
import type { OpenAIShapedListPage } from './convert-openai-shaped-batch.ts';
import { gatewayPartIdKey, type OpenAIShapedBatchApi } from './openai-shaped-batch-api.ts';

/** What every call of an OpenAI-shaped batch API is built from. */
export interface OpenAIShapedCallInput {
  api: OpenAIShapedBatchApi;
  config: OpenAIRequestSettings;
  /** Sent as `x-client-request-id`, which OpenAI logs with the call. */
  requestId: string;
}

/** A multipart upload described as data; the I/O side streams the file and sets the boundary. */
export interface OpenAIShapedFileUploadRequest {
  path: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
  file: { fieldName: 'file'; filename: string; contentType: 'application/jsonl' };
}

/** The batch's input file, with the vendor's purpose and fields. @see https://platform.openai.com/docs/api-reference/files/create */
export function buildOpenAIShapedFileUpload(input: OpenAIShapedCallInput & { filename: string }): OpenAIShapedFileUploadRequest {
  const upload = input.api.upload ?? {};
  const fields: Record<string, string> = { purpose: upload.purpose ?? 'batch', ...upload.fields };
  if (upload.filenameField) fields[upload.filenameField] = input.filename;
  return {
    path: withQuery(upload.path ?? '/files', input.api),
    headers: withoutContentType(openAIRequestHeaders(input.config, input.requestId)),
    fields,
    file: { fieldName: 'file', filename: input.filename, contentType: 'application/jsonl' },
  };
}

/**
 * `POST /batches` for an uploaded input file: the operation's endpoint, the vendor's completion window,
 * the gateway's part id in `metadata` where the vendor keeps it, and the model where the vendor asks for it.
 * @see https://platform.openai.com/docs/api-reference/batch/create
 */
export function buildCreateOpenAIShapedBatchRequest(input: OpenAIShapedCallInput & { inputFileId: string; operation: NativeBatchOperation; upstreamModel: string; partId: string }): BatchWireRequest {
  const create = input.api.create ?? {};
  const body: Record<string, unknown> = { input_file_id: input.inputFileId, endpoint: input.api.endpoints[input.operation], completion_window: create.completionWindow ?? '24h' };
  if (create.metadata ?? true) body['metadata'] = { [gatewayPartIdKey]: input.partId };
  if (create.modelField) body[create.modelField] = input.upstreamModel;
  return { method: 'POST', path: withQuery('/batches', input.api), headers: openAIRequestHeaders(input.config, input.requestId), body };
}

/** @see https://platform.openai.com/docs/api-reference/batch/retrieve */
export function buildRetrieveOpenAIShapedBatchRequest(input: OpenAIShapedCallInput & { batchId: string }): BatchWireRequest {
  return { method: 'GET', path: withQuery(`/batches/${encodeURIComponent(input.batchId)}`, input.api), headers: getHeaders(input) };
}

/** @see https://platform.openai.com/docs/api-reference/batch/cancel */
export function buildCancelOpenAIShapedBatchRequest(input: OpenAIShapedCallInput & { batchId: string }): BatchWireRequest {
  return { method: 'POST', path: withQuery(`/batches/${encodeURIComponent(input.batchId)}/cancel`, input.api), headers: getHeaders(input) };
}

/** One page of the vendor's batches, newest first. @see https://platform.openai.com/docs/api-reference/batch/list */
export function buildListOpenAIShapedBatchesRequest(input: OpenAIShapedCallInput & { page?: OpenAIShapedListPage | undefined }): BatchWireRequest {
  const pagination = input.api.listPagination ?? 'after';
  const query: Record<string, string> = {};
  if (pagination === 'after') query['limit'] = '100';
  if (input.page && 'after' in input.page) query['after'] = input.page.after;
  if (input.page && 'cursor' in input.page) query['cursor'] = input.page.cursor;
  return { method: 'GET', path: withQuery('/batches', input.api, query), headers: getHeaders(input) };
}

/** An output or error file's JSONL content. @see https://platform.openai.com/docs/api-reference/files/retrieve-contents */
export function buildOpenAIShapedFileContentRequest(input: OpenAIShapedCallInput & { fileId: string }): BatchWireRequest {
  return {
    method: 'GET',
    path: withQuery(`/files/${encodeURIComponent(input.fileId)}/content`, input.api),
    headers: { ...getHeaders(input), accept: 'application/jsonl, application/octet-stream' },
  };
}

function withQuery(path: string, api: OpenAIShapedBatchApi, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...api.query, ...extra }).toString();
  return query === '' ? path : `${path}?${query}`;
}

function getHeaders(input: OpenAIShapedCallInput): Record<string, string> {
  return withoutContentType(openAIRequestHeaders(input.config, input.requestId));
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
}
