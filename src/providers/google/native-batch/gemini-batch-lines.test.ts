import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { convertToGeminiRequest } from '../chat/convert-to-gemini-request.ts';
import { convertToGeminiBatchLine, geminiBatchDefaultLimits, serializeGeminiBatchLine } from './convert-to-gemini-batch-lines.ts';
import {
  buildCancelGeminiBatchRequest,
  buildCreateGeminiBatchRequest,
  buildGeminiBatchFileUpload,
  buildGeminiResultsDownload,
  buildListGeminiBatchesRequest,
  buildRetrieveGeminiBatchRequest,
  geminiUploadBaseUrl,
} from './gemini-batch-requests.ts';

const config = { apiKey: 'g-key', headers: { 'x-goog-user-project': 'p1' } };
const chat = (body: Record<string, unknown>) => chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content: 'Hello' }], ...body });

async function text(iterable: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const piece of iterable) all += piece;
  return all;
}

describe('convertToGeminiBatchLine', () => {
  it('sends as request exactly the synchronous generateContent body, keyed by the custom id, warnings kept', () => {
    const request = chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Describe the process of photosynthesis.' },
      ],
      temperature: 0.7,
      user: 'u-1',
    });
    const sync = convertToGeminiRequest({ request, upstreamModel: 'gemini-2.5-flash', config, requestId: 'r' });
    const converted = convertToGeminiBatchLine({ customId: 'request-1', request, upstreamModel: 'gemini-2.5-flash' }, config);
    expect(converted).toEqual({ kind: 'line', line: { key: 'request-1', request: sync.body }, warnings: ['user: not supported by Gemini; dropped'] });
    expect(sync.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { temperature: 0.7 } });
  });

  it('carries no warnings for a request the converter takes whole', () => {
    expect(convertToGeminiBatchLine({ customId: 'a', request: chat({}), upstreamModel: 'm' }, config)).not.toHaveProperty('warnings');
  });

  it('rejects, without throwing, a line the synchronous converter refuses, with its 400', () => {
    const request = chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/cat.png' } }] }] });
    const converted = convertToGeminiBatchLine({ customId: 'bad', request, upstreamModel: 'm' }, config);
    expect(converted).toMatchObject({ kind: 'rejected', customId: 'bad', error: { status: 400, code: 'invalid_request', retryable: false, param: 'messages[0].content[0].image_url.url' } });
  });

  it('writes one JSON object a line, in the guide’s {key, request} shape', () => {
    const converted = convertToGeminiBatchLine({ customId: 'request-1', request: chat({}), upstreamModel: 'm' }, config);
    if (converted.kind !== 'line') throw new Error('expected a line');
    const serialized = serializeGeminiBatchLine(converted.line);
    expect(serialized.endsWith('\n')).toBe(true);
    expect(serialized.split('\n')).toHaveLength(2);
    expect(JSON.parse(serialized)).toEqual({ key: 'request-1', request: { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] } });
  });

  it('takes a 2 GB input file (the Files API’s limit) of at most 100,000 requests', () => {
    expect(geminiBatchDefaultLimits).toEqual({ maxRequestsPerBatch: 100_000, maxBytesPerBatch: 2_147_483_648 });
  });
});

describe('Gemini batch requests', () => {
  it('creates a batch from the uploaded file at models/{model}:batchGenerateContent, display name the part id', () => {
    expect(buildCreateGeminiBatchRequest({ upstreamModel: 'gemini-2.5-flash', displayName: 'part-1', fileName: 'files/123456', config })).toEqual({
      method: 'POST',
      path: '/models/gemini-2.5-flash:batchGenerateContent',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'x-goog-user-project': 'p1', 'x-goog-api-key': 'g-key' },
      body: { batch: { displayName: 'part-1', inputConfig: { fileName: 'files/123456' } } },
    });
    expect(buildCreateGeminiBatchRequest({ upstreamModel: 'tunedModels/my model', displayName: 'p', fileName: 'files/1', config }).path).toBe('/tunedModels/my%20model:batchGenerateContent');
  });

  it('retrieves and cancels by the batch’s resource name (or its bare id), lists page by page', () => {
    expect(buildRetrieveGeminiBatchRequest({ batchName: 'batches/123456789', config })).toEqual({
      method: 'GET',
      path: '/batches/123456789',
      headers: { accept: 'application/json', 'x-goog-user-project': 'p1', 'x-goog-api-key': 'g-key' },
    });
    expect(buildRetrieveGeminiBatchRequest({ batchName: '123456789', config }).path).toBe('/batches/123456789');
    expect(buildCancelGeminiBatchRequest({ batchName: 'batches/123456789', config })).toMatchObject({ method: 'POST', path: '/batches/123456789:cancel', body: {} });
    expect(buildListGeminiBatchesRequest({ pageSize: 100, config }).path).toBe('/batches?pageSize=100');
    expect(buildListGeminiBatchesRequest({ pageSize: 100, pageToken: 'next/page', config }).path).toBe('/batches?pageSize=100&pageToken=next%2Fpage');
  });

  it('downloads a responses file from /download/v1beta/{file}:download?alt=media with the key', () => {
    expect(buildGeminiResultsDownload({ baseUrl: 'https://generativelanguage.googleapis.com/v1beta/', fileName: 'files/batch-123', config })).toEqual({
      url: 'https://generativelanguage.googleapis.com/download/v1beta/files/batch-123:download?alt=media',
      headers: { accept: 'application/octet-stream, application/jsonl', 'x-goog-user-project': 'p1', 'x-goog-api-key': 'g-key' },
    });
  });

  it('uploads under /upload on the same host and version', () => {
    expect(geminiUploadBaseUrl('https://generativelanguage.googleapis.com/v1beta')).toBe('https://generativelanguage.googleapis.com/upload/v1beta');
    expect(geminiUploadBaseUrl('http://127.0.0.1:8080/v1beta/')).toBe('http://127.0.0.1:8080/upload/v1beta');
  });

  it('frames the input file as a multipart/related upload: the File metadata, then the JSONL as it is read', async () => {
    async function* content(): AsyncIterable<string> {
      yield '{"key":"a","request":{}}\n';
      yield '{"key":"b","request":{}}\n';
    }
    const upload = buildGeminiBatchFileUpload({ displayName: 'part-1', boundary: 'b0undary', content, config });
    expect(upload).toMatchObject({
      method: 'POST',
      path: '/files?uploadType=multipart',
      headers: { 'content-type': 'multipart/related; boundary=b0undary', 'x-goog-api-key': 'g-key', 'x-goog-user-project': 'p1' },
    });
    expect(await text(upload.body())).toBe(
      '--b0undary\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{"file":{"displayName":"part-1","mimeType":"application/jsonl"}}\r\n' +
        '--b0undary\r\ncontent-type: application/jsonl\r\n\r\n{"key":"a","request":{}}\n{"key":"b","request":{}}\n\r\n--b0undary--\r\n',
    );
  });
});
