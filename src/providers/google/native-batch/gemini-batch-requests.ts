import type { StreamedBatchRequest } from '../../native-batch/batch-http.ts';
import type { BatchWireRequest } from '../../native-batch/native-batch-types.ts';
import { modelPath, type GeminiRequestSettings } from '../chat/convert-to-gemini-request.ts';

/**
 * The Gemini Batch API's calls as data. Paths are relative to the provider's baseUrl (which carries the
 * API version, `…/v1beta`), as for `generateContent`; uploads and downloads go to the same version under
 * `/upload` and `/download` at the root of its host, as Google serves media.
 * @see https://ai.google.dev/gemini-api/docs/batch-api
 */

/** The headers of the synchronous call without its body type: configured extras, the key in `x-goog-api-key`. */
export function geminiBatchHeaders(config: GeminiRequestSettings): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...config.headers };
  if (config.apiKey) headers['x-goog-api-key'] = config.apiKey;
  return headers;
}

/**
 * `POST /models/{model}:batchGenerateContent` with the uploaded input file. `displayName` is the only
 * caller data a batch keeps, so it carries the gateway's id for the provider batch (the create is not
 * idempotent: "If you send the same creation request twice, two separate batch jobs will be created").
 * Field names in proto3 JSON's camelCase, as the SDKs send them (the guide's `display_name` /
 * `input_config` / `file_name` are the same fields).
 * @see https://ai.google.dev/api/batch-api#method:-models.batchgeneratecontent
 */
export function buildCreateGeminiBatchRequest(input: { upstreamModel: string; displayName: string; fileName: string; config: GeminiRequestSettings }): BatchWireRequest {
  return {
    method: 'POST',
    path: `/${modelPath(input.upstreamModel)}:batchGenerateContent`,
    headers: { ...geminiBatchHeaders(input.config), 'content-type': 'application/json' },
    body: { batch: { displayName: input.displayName, inputConfig: { fileName: input.fileName } } },
  };
}

/** @see https://ai.google.dev/api/batch-api#method:-batches.get */
export function buildRetrieveGeminiBatchRequest(input: { batchName: string; config: GeminiRequestSettings }): BatchWireRequest {
  return { method: 'GET', path: `/${batchPath(input.batchName)}`, headers: geminiBatchHeaders(input.config) };
}

/**
 * `POST /batches/{id}:cancel`, with an empty JSON body so that the POST has a length. What finished
 * stays with the batch.
 * @see https://ai.google.dev/api/batch-api#method:-batches.cancel
 */
export function buildCancelGeminiBatchRequest(input: { batchName: string; config: GeminiRequestSettings }): BatchWireRequest {
  return { method: 'POST', path: `/${batchPath(input.batchName)}:cancel`, headers: { ...geminiBatchHeaders(input.config), 'content-type': 'application/json' }, body: {} };
}

/** One page of the project's batches. @see https://ai.google.dev/api/batch-api#method:-batches.list */
export function buildListGeminiBatchesRequest(input: { pageSize: number; pageToken?: string | undefined; config: GeminiRequestSettings }): BatchWireRequest {
  const query = new URLSearchParams({ pageSize: String(input.pageSize) });
  if (input.pageToken) query.set('pageToken', input.pageToken);
  return { method: 'GET', path: `/batches?${query.toString()}`, headers: geminiBatchHeaders(input.config) };
}

/**
 * Where a responses file is downloaded from: `/download/v1beta/{file}:download?alt=media` on the API's
 * host (the guide's REST example), given the provider's baseUrl.
 * @see https://ai.google.dev/gemini-api/docs/batch-api#retrieve-batch-results
 */
export function buildGeminiResultsDownload(input: { baseUrl: string; fileName: string; config: GeminiRequestSettings }): { url: string; headers: Record<string, string> } {
  const base = new URL(input.baseUrl);
  const path = `${base.origin}/download${trimmedPath(base)}/${resourcePath(input.fileName)}:download?alt=media`;
  return { url: path, headers: { ...geminiBatchHeaders(input.config), accept: 'application/octet-stream, application/jsonl' } };
}

/** The baseUrl of the Files API's media uploads: `https://…/upload/v1beta` for `https://…/v1beta`. */
export function geminiUploadBaseUrl(baseUrl: string): string {
  const base = new URL(baseUrl);
  return `${base.origin}/upload${trimmedPath(base)}`;
}

/**
 * The batch's input file as one streamed multipart upload (`uploadType=multipart`: a `multipart/related`
 * body of the `CreateFileRequest` JSON, then the file), relative to {@link geminiUploadBaseUrl}. The file
 * is streamed as it is written, so its length is not known up front: the two-step resumable protocol of
 * the guide's REST example wants it at the start; the Gemini API's discovery document lists the simple
 * multipart protocol for `media.upload` at `/upload/v1beta/files` (maxSize 2,147,483,648), which the
 * earlier `google-generativeai` SDK used.
 * @see https://generativelanguage.googleapis.com/$discovery/rest?version=v1beta (media.upload)
 * @see https://ai.google.dev/api/files#method:-media.upload
 */
export function buildGeminiBatchFileUpload(input: { displayName: string; boundary: string; content: () => AsyncIterable<string>; config: GeminiRequestSettings }): StreamedBatchRequest {
  const { boundary } = input;
  const metadata = JSON.stringify({ file: { displayName: input.displayName, mimeType: geminiBatchFileMimeType } });
  async function* body(): AsyncIterable<string> {
    yield `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${metadata}\r\n`;
    yield `--${boundary}\r\ncontent-type: ${geminiBatchFileMimeType}\r\n\r\n`;
    yield* input.content();
    yield `\r\n--${boundary}--\r\n`;
  }
  return {
    method: 'POST',
    path: '/files?uploadType=multipart',
    headers: { ...geminiBatchHeaders(input.config), 'content-type': `multipart/related; boundary=${boundary}` },
    body,
  };
}

export const geminiBatchFileMimeType = 'application/jsonl';

/** `batches/abc` (or a bare `abc`) as a URL path, each segment encoded. */
function batchPath(batchName: string): string {
  return resourcePath(batchName.includes('/') ? batchName : `batches/${batchName}`);
}

function resourcePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function trimmedPath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}
