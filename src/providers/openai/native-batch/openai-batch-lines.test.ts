import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { convertToOpenAIRequest } from '../chat/convert-to-openai-request.ts';
import { convertToOpenAIEmbeddingsRequest } from '../embeddings/convert-to-openai-embeddings-request.ts';
import { convertToOpenAIBatchLine, serializeOpenAIBatchFile, serializeOpenAIBatchLine, splitOpenAIBatchLines, type OpenAIBatchLineInput } from './convert-to-openai-batch-lines.ts';
import { buildCancelOpenAIBatchRequest, buildCreateOpenAIBatchRequest, buildOpenAIBatchFileUpload, buildOpenAIFileContentRequest, buildRetrieveOpenAIBatchRequest } from './openai-batch-requests.ts';
import type { OpenAIBatchInputLine } from './openai-batch-schemas.ts';

const config = { apiKey: 'sk-secret', headers: { 'OpenAI-Project': 'proj_1' } };

const chatRequest = chatCompletionRequestSchema.parse({
  model: 'fast',
  messages: [{ role: 'user', content: 'Hello' }],
  temperature: 0.2,
  stream: true,
  stream_options: { include_usage: true },
  vendor_extension: { x: 1 },
});
const embeddingsRequest = embeddingsRequestSchema.parse({ model: 'embed', input: ['a', 'b'], encoding_format: 'base64' });

function chatLine(customId: string, upstreamModel = 'gpt-4.1-mini', content = 'Hello'): OpenAIBatchInputLine {
  const request = chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content }] });
  return convertToOpenAIBatchLine({ customId, operation: 'chat', request, upstreamModel });
}

describe('convertToOpenAIBatchLine', () => {
  it('sends a chat request with exactly the body of the synchronous call', () => {
    const line = convertToOpenAIBatchLine({ customId: 'line-1', operation: 'chat', request: chatRequest, upstreamModel: 'gpt-4.1-mini' });
    const sync = convertToOpenAIRequest({ request: chatRequest, upstreamModel: 'gpt-4.1-mini', config, requestId: 'r' });
    expect(line).toEqual({ custom_id: 'line-1', method: 'POST', url: '/v1/chat/completions', body: sync.body });
    expect(line.body).not.toHaveProperty('stream');
  });

  it('sends an embeddings request with exactly the body of the synchronous call', () => {
    const input: OpenAIBatchLineInput = { customId: 'line-2', operation: 'embeddings', request: embeddingsRequest, upstreamModel: 'text-embedding-3-small' };
    const sync = convertToOpenAIEmbeddingsRequest({ request: embeddingsRequest, upstreamModel: 'text-embedding-3-small', config, requestId: 'r' });
    expect(convertToOpenAIBatchLine(input)).toEqual({ custom_id: 'line-2', method: 'POST', url: '/v1/embeddings', body: sync.body });
  });

  it('writes one JSON object a line', () => {
    const lines = [chatLine('a'), chatLine('b')];
    const file = serializeOpenAIBatchFile(lines);
    expect(file.split('\n')).toHaveLength(3);
    expect(
      file
        .split('\n')
        .slice(0, 2)
        .map((text) => JSON.parse(text) as unknown),
    ).toEqual(lines);
  });
});

describe('splitOpenAIBatchLines', () => {
  it('puts one endpoint and one model in each batch, groups in order of first appearance, lines in input order', () => {
    const embeddings = convertToOpenAIBatchLine({ customId: 'e1', operation: 'embeddings', request: embeddingsRequest, upstreamModel: 'gpt-4.1-mini' });
    const lines = [chatLine('a1'), chatLine('b1', 'gpt-4.1'), embeddings, chatLine('a2'), chatLine('b2', 'gpt-4.1')];
    const { batches, oversized } = splitOpenAIBatchLines(lines);
    expect(oversized).toEqual([]);
    expect(batches.map((batch) => [batch.endpoint, batch.model, batch.lines.map((line) => line.custom_id)])).toEqual([
      ['/v1/chat/completions', 'gpt-4.1-mini', ['a1', 'a2']],
      ['/v1/chat/completions', 'gpt-4.1', ['b1', 'b2']],
      ['/v1/embeddings', 'gpt-4.1-mini', ['e1']],
    ]);
    expect(batches[0]?.bytes).toBe(Buffer.byteLength(serializeOpenAIBatchFile(batches[0]?.lines ?? [])));
  });

  it('starts a new batch at the request limit, keeping order across parts', () => {
    const lines = ['1', '2', '3', '4', '5'].map((id) => chatLine(id));
    const { batches } = splitOpenAIBatchLines(lines, { maxRequestsPerBatch: 2 });
    expect(batches.map((batch) => batch.lines.map((line) => line.custom_id))).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('starts a new batch at the byte limit (UTF-8 bytes of the JSONL), and sets aside a line no batch can carry', () => {
    const small = chatLine('s1', 'm', 'é');
    const size = Buffer.byteLength(serializeOpenAIBatchLine(small));
    expect(size).toBe(serializeOpenAIBatchLine(small).length + 1);
    const big = chatLine('b1', 'm', 'x'.repeat(3 * size));
    const lines = [small, chatLine('s2', 'm', 'é'), big, chatLine('s3', 'm', 'é')];
    const { batches, oversized } = splitOpenAIBatchLines(lines, { maxBytesPerBatch: 2 * size - 1 });
    expect(batches.map((batch) => batch.lines.map((line) => line.custom_id))).toEqual([['s1'], ['s2'], ['s3']]);
    expect(oversized.map((line) => line.custom_id)).toEqual(['b1']);
    expect(splitOpenAIBatchLines(lines.slice(0, 2), { maxBytesPerBatch: 2 * size }).batches).toHaveLength(1);
  });
});

describe('OpenAI batch requests', () => {
  it('creates a batch on an uploaded file with a 24h window and metadata, headers as the synchronous call', () => {
    const request = buildCreateOpenAIBatchRequest({ config, requestId: 'req_1', inputFileId: 'file-abc123', endpoint: '/v1/chat/completions', metadata: { gateway_batch_id: 'b1' } });
    expect(request).toEqual({
      method: 'POST',
      path: '/batches',
      headers: convertToOpenAIRequest({ request: chatRequest, upstreamModel: 'm', config, requestId: 'req_1' }).headers,
      body: { input_file_id: 'file-abc123', endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { gateway_batch_id: 'b1' } },
    });
  });

  it('retrieves, cancels and reads files by id', () => {
    expect(buildRetrieveOpenAIBatchRequest({ config, requestId: 'r', batchId: 'batch_abc123' })).toMatchObject({
      method: 'GET',
      path: '/batches/batch_abc123',
      headers: { authorization: 'Bearer sk-secret' },
    });
    expect(buildCancelOpenAIBatchRequest({ config, requestId: 'r', batchId: 'batch_abc123' })).toMatchObject({ method: 'POST', path: '/batches/batch_abc123/cancel' });
    const content = buildOpenAIFileContentRequest({ config, requestId: 'r', fileId: 'file-cvaTdG' });
    expect(content).toMatchObject({ method: 'GET', path: '/files/file-cvaTdG/content' });
    expect(content.body).toBeUndefined();
  });

  it('describes the input file upload with purpose=batch and leaves the multipart content-type to the I/O side', () => {
    const upload = buildOpenAIBatchFileUpload({ config, requestId: 'r', filename: 'batch-1.jsonl', content: '{}\n' });
    expect(upload).toMatchObject({
      method: 'POST',
      path: '/files',
      fields: { purpose: 'batch' },
      file: { fieldName: 'file', filename: 'batch-1.jsonl', contentType: 'application/jsonl', content: '{}\n' },
    });
    expect(Object.keys(upload.headers).map((name) => name.toLowerCase())).not.toContain('content-type');
    expect(upload.headers['authorization']).toBe('Bearer sk-secret');
  });
});
