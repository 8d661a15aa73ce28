import { openAIRequestHeaders, type OpenAIRequestSettings } from '../chat/convert-to-openai-request.ts';
import type { BatchWireRequest } from '../../native-batch/native-batch-types.ts';
import type { OpenAIBatchEndpoint } from './openai-batch-schemas.ts';

interface OpenAIBatchCallInput {
  config: OpenAIRequestSettings;
  requestId: string;
}

/**
 * `POST /batches` for an uploaded input file; `metadata` (at most 16 string pairs) lets a batch be
 * traced back to the gateway's own.
 * @see https://platform.openai.com/docs/api-reference/batch/create
 */
export function buildCreateOpenAIBatchRequest(input: OpenAIBatchCallInput & { inputFileId: string; endpoint: OpenAIBatchEndpoint; metadata?: Record<string, string> }): BatchWireRequest {
  return {
    method: 'POST',
    path: '/batches',
    headers: openAIRequestHeaders(input.config, input.requestId),
    body: { input_file_id: input.inputFileId, endpoint: input.endpoint, completion_window: '24h', ...(input.metadata ? { metadata: input.metadata } : {}) },
  };
}

/** @see https://platform.openai.com/docs/api-reference/batch/retrieve */
export function buildRetrieveOpenAIBatchRequest(input: OpenAIBatchCallInput & { batchId: string }): BatchWireRequest {
  return { method: 'GET', path: `/batches/${encodeURIComponent(input.batchId)}`, headers: withoutContentType(openAIRequestHeaders(input.config, input.requestId)) };
}

/** @see https://platform.openai.com/docs/api-reference/batch/cancel */
export function buildCancelOpenAIBatchRequest(input: OpenAIBatchCallInput & { batchId: string }): BatchWireRequest {
  return { method: 'POST', path: `/batches/${encodeURIComponent(input.batchId)}/cancel`, headers: withoutContentType(openAIRequestHeaders(input.config, input.requestId)) };
}

/** An output or error file's JSONL content. @see https://platform.openai.com/docs/api-reference/files/retrieve-contents */
export function buildOpenAIFileContentRequest(input: OpenAIBatchCallInput & { fileId: string }): BatchWireRequest {
  const headers = withoutContentType(openAIRequestHeaders(input.config, input.requestId));
  return { method: 'GET', path: `/files/${encodeURIComponent(input.fileId)}/content`, headers: { ...headers, accept: 'application/jsonl, application/octet-stream' } };
}

/**
 * A multipart `POST /files` described as data: the I/O side encodes it (and sets the content-type
 * with its boundary, which is why the headers here carry none).
 */
export interface OpenAIFileUpload {
  method: 'POST';
  path: '/files';
  headers: Record<string, string>;
  fields: { purpose: 'batch' };
  file: { fieldName: 'file'; filename: string; contentType: 'application/jsonl'; content: string };
}

/** The input file of a batch, with `purpose=batch`. @see https://platform.openai.com/docs/api-reference/files/create */
export function buildOpenAIBatchFileUpload(input: OpenAIBatchCallInput & { filename: string; content: string }): OpenAIFileUpload {
  return {
    method: 'POST',
    path: '/files',
    headers: withoutContentType(openAIRequestHeaders(input.config, input.requestId)),
    fields: { purpose: 'batch' },
    file: { fieldName: 'file', filename: input.filename, contentType: 'application/jsonl', content: input.content },
  };
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
}
