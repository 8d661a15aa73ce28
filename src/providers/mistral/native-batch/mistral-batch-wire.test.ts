import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { estimateUsage } from '../../estimate-usage.ts';
import type { NativeBatchLine } from '../../native-batch/native-batch-capability.ts';
import { createPresetWireFormat } from '../../openai-compatible/index.ts';
import { convertMistralBatchOutputLine, parseMistralBatchOutputLine } from './convert-mistral-batch-results.ts';
import { convertToMistralBatchLine, serializeMistralBatchLine } from './convert-to-mistral-batch-lines.ts';
import { findMistralBatchJobOfPart, mapMistralBatchStatus } from './map-mistral-batch-status.ts';
import {
  buildCancelMistralBatchJobRequest,
  buildCreateMistralBatchJobRequest,
  buildListMistralBatchJobsRequest,
  buildMistralBatchFileUpload,
  buildMistralFileContentRequest,
  buildRetrieveMistralBatchJobRequest,
} from './mistral-batch-requests.ts';
import { mistralBatchJobListSchema, mistralBatchJobSchema, mistralUploadedFileSchema, type MistralBatchOutputLine, type MistralBatchStatus } from './mistral-batch-schemas.ts';

const fixtureText = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const fixtureLines = (name: string) =>
  fixtureText(name)
    .split('\n')
    .filter((text) => text.length > 0);
const config = { apiKey: 'sk-mistral', headers: { 'x-team': 'search' } };
const sync = createPresetWireFormat('mistral');
const chatLine = (customId: string, body: Record<string, unknown> = {}) =>
  ({
    customId,
    upstreamModel: 'mistral-small-latest',
    operation: 'chat' as const,
    request: chatCompletionRequestSchema.parse({ model: 'small', messages: [{ role: 'user', content: 'What is the best French cheese?' }], ...body }),
  }) satisfies NativeBatchLine;
const embeddingsLine = (customId: string, body: Record<string, unknown>) =>
  ({ customId, upstreamModel: 'mistral-embed', operation: 'embeddings' as const, request: embeddingsRequestSchema.parse({ model: 'embed', ...body }) }) satisfies NativeBatchLine;

function parsed(text: string | unknown): MistralBatchOutputLine {
  const result = parseMistralBatchOutputLine(text);
  if (result.kind !== 'line') throw new Error(result.message);
  return result.line;
}

describe('convertToMistralBatchLine', () => {
  it('sends as body exactly the synchronous chat body, the preset’s quirks applied, with their warnings', () => {
    const line = chatLine('line-1', { seed: 7, max_completion_tokens: 100, user: 'u-1', temperature: 0.2, messages: [{ role: 'user', content: 'Hi', name: 'ann' }] });
    const wire = sync.buildChatRequest({ request: line.request, upstreamModel: 'mistral-small-latest', config, requestId: 'r' });
    const converted = convertToMistralBatchLine(line, config);
    expect(converted).toEqual({ kind: 'line', line: { custom_id: 'line-1', body: wire.body }, warnings: wire.warnings });
    expect(wire.body).toEqual({ model: 'mistral-small-latest', random_seed: 7, max_tokens: 100, temperature: 0.2, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('sends as body exactly the synchronous embeddings body, and no warnings when nothing was dropped', () => {
    const line = embeddingsLine('e-1', { input: ['a', 'b'], dimensions: 256 });
    const wire = sync.embeddings?.buildRequest({ request: line.request, upstreamModel: 'mistral-embed', config, requestId: 'r' });
    expect(convertToMistralBatchLine(line, config)).toEqual({ kind: 'line', line: { custom_id: 'e-1', body: wire?.body } });
    expect(wire?.body).toMatchObject({ model: 'mistral-embed', input: ['a', 'b'], output_dimension: 256 });
  });

  it('rejects on its own a request the preset refuses, with the synchronous error', () => {
    const converted = convertToMistralBatchLine(embeddingsLine('tokens', { input: [[1, 2, 3]] }), config);
    expect(converted).toMatchObject({ kind: 'rejected', customId: 'tokens', error: { status: 400, param: 'input', retryable: false } });
    expect(converted.kind === 'rejected' && converted.error).toBeInstanceOf(ProviderError);
  });

  it('serializes one JSON line, newline included, in the documented {custom_id, body} shape', () => {
    const converted = convertToMistralBatchLine(chatLine('x'), config);
    const text = converted.kind === 'line' ? serializeMistralBatchLine(converted.line) : '';
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['custom_id', 'body']);
  });
});

describe('Mistral batch requests', () => {
  it('creates a job from the uploaded file: one endpoint, one model, the part id in metadata, the sync headers', () => {
    const request = buildCreateMistralBatchJobRequest({ config, requestId: 'part-1', inputFileId: 'file-1', endpoint: '/v1/chat/completions', model: 'mistral-small-latest', partId: 'part-1' });
    expect(request).toEqual({
      method: 'POST',
      path: '/batch/jobs',
      headers: sync.buildChatRequest({ request: chatLine('x').request, upstreamModel: 'm', config, requestId: 'part-1' }).headers,
      body: { input_files: ['file-1'], endpoint: '/v1/chat/completions', model: 'mistral-small-latest', metadata: { gateway_part_id: 'part-1' } },
    });
    expect(request.headers).toMatchObject({ authorization: 'Bearer sk-mistral', 'x-team': 'search', 'content-type': 'application/json' });
  });

  it('retrieves, cancels, lists and downloads without a content-type', () => {
    const retrieve = buildRetrieveMistralBatchJobRequest({ config, requestId: 'r', jobId: 'b888f774' });
    expect(retrieve).toMatchObject({ method: 'GET', path: '/batch/jobs/b888f774', headers: { authorization: 'Bearer sk-mistral' } });
    expect(buildCancelMistralBatchJobRequest({ config, requestId: 'r', jobId: 'a/b' })).toMatchObject({ method: 'POST', path: '/batch/jobs/a%2Fb/cancel' });
    expect(buildMistralFileContentRequest({ config, requestId: 'r', fileId: 'f-1' })).toMatchObject({
      method: 'GET',
      path: '/files/f-1/content',
      headers: { accept: 'application/octet-stream, application/jsonl' },
    });
    const list = buildListMistralBatchJobsRequest({ config, requestId: 'r', createdAfter: new Date('2026-11-23T10:00:00.000Z'), page: 2, pageSize: 100 });
    const url = new URL(`http://x${list.path}`);
    expect([list.method, url.pathname, Object.fromEntries(url.searchParams)]).toEqual([
      'GET',
      '/batch/jobs',
      { created_after: '2026-11-23T10:00:00.000Z', order_by: '-created', page: '2', page_size: '100' },
    ]);
    for (const request of [retrieve, list]) expect(Object.keys(request.headers).map((name) => name.toLowerCase())).not.toContain('content-type');
  });

  it('uploads the input file as multipart with purpose batch, its content streamed', async () => {
    async function* content() {
      yield 'a\n';
      yield 'b\n';
    }
    const upload = buildMistralBatchFileUpload({ config, requestId: 'p', filename: 'p.jsonl', content });
    expect(upload).toMatchObject({ path: '/files', fields: { purpose: 'batch' }, file: { fieldName: 'file', filename: 'p.jsonl', contentType: 'application/jsonl' } });
    expect(upload.headers).not.toHaveProperty('content-type');
    const pieces: string[] = [];
    for await (const piece of upload.file.content()) pieces.push(piece);
    expect(pieces).toEqual(['a\n', 'b\n']);
    expect(mistralUploadedFileSchema.parse(JSON.parse(fixtureText('uploaded-file.json'))).id).toBe('fe3343a2-3b8d-404b-ba32-a78dede2614a');
  });
});

describe('convertMistralBatchOutputLine', () => {
  const settle = (line: MistralBatchOutputLine, request: NativeBatchLine) => convertMistralBatchOutputLine({ provider: 'mistral', line, request, config });

  it('reads the docs’ chat result lines as the synchronous converter reads the same bodies', () => {
    for (const text of fixtureLines('batch-output-chat.jsonl')) {
      const line = parsed(text);
      const body = line.response?.body;
      let expected: unknown;
      try {
        expected = { kind: 'chat', customId: line.custom_id, result: sync.parseChatResponse({ provider: 'mistral', body, upstreamModel: 'm', requestId: 'r' }) };
      } catch (error) {
        expected = { kind: 'error', customId: line.custom_id, error };
      }
      expect(settle(line, chatLine(line.custom_id))).toEqual(expected);
    }
  });

  it('settles a chat answer with its usage, and the request’s warnings first', () => {
    const line = parsed(fixtureLines('batch-output-chat.jsonl')[0]);
    const body = structuredClone(line.response?.body) as { choices: Array<{ message: Record<string, unknown> }> };
    delete body.choices[0]?.message['tool_calls'];
    const outcome = settle({ ...line, response: { status_code: 200, body } }, chatLine('0', { user: 'u-1' }));
    expect(outcome).toMatchObject({
      kind: 'chat',
      customId: '0',
      result: { usage: { promptTokens: 10, completionTokens: 128, totalTokens: 138 }, warnings: ['mistral does not support "user"; it was not sent'] },
    });
    expect(outcome.kind === 'chat' && outcome.result.completion.choices[0]?.finish_reason).toBe('length');
  });

  it('estimates usage where the answer reports none, as the synchronous client does', () => {
    const body = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Camembert' }, finish_reason: 'stop' }] };
    const request = chatLine('c');
    const outcome = settle(parsed({ custom_id: 'c', response: { status_code: 200, body }, error: null }), request);
    const completion = sync.parseChatResponse({ provider: 'mistral', body, upstreamModel: 'm', requestId: 'r' }).completion;
    expect(outcome).toEqual({ kind: 'chat', customId: 'c', result: { completion, usage: estimateUsage(request.request, completion) } });
    expect(outcome.kind === 'chat' && outcome.result.usage.estimated).toBe(true);
  });

  it('reads embeddings result lines as the synchronous converter does, vectors back in input order', () => {
    const [first = '', second = ''] = fixtureLines('batch-output-embeddings.jsonl');
    const request = embeddingsLine('0', { input: ['The quick brown fox jumps over the lazy dog.', 'To be or not to be, that is the question.'] });
    const line = parsed(first);
    const outcome = settle(line, request);
    const expected = sync.embeddings?.parseResponse({ provider: 'mistral', body: line.response?.body, request: request.request, upstreamModel: 'mistral-embed' });
    expect(outcome).toEqual({ kind: 'embeddings', customId: '0', result: expected });
    expect(outcome.kind === 'embeddings' && outcome.result.vectors.data.map((item) => item.embedding[0])).toEqual([-0.013092041015625, -0.0052490234375]);
    expect(outcome.kind === 'embeddings' && outcome.result.usage).toEqual({ promptTokens: 28, completionTokens: 0, totalTokens: 28 });
    // One vector for two inputs: malformed for this request, as a direct call would find it.
    expect(settle(parsed(second), request)).toMatchObject({ kind: 'error', customId: '1', error: { status: 502, code: 'invalid_provider_response' } });
  });

  it('reads error-status lines with the synchronous error parser: 4xx final, 5xx retryable', () => {
    const [invalid = '', server = ''] = fixtureLines('batch-errors.jsonl');
    const line = parsed(invalid);
    const outcome = settle(line, chatLine('3'));
    expect(outcome).toEqual({ kind: 'error', customId: '3', error: sync.parseError({ provider: 'mistral', status: 400, headers: {}, body: line.response?.body }) });
    expect(outcome).toMatchObject({ error: { status: 400, retryable: false } });
    expect(settle(parsed(server), chatLine('4'))).toMatchObject({ kind: 'error', customId: '4', error: { status: 500, retryable: true } });
  });

  it('turns a line that got no answer into a final error with its code and message', () => {
    expect(settle(parsed({ custom_id: 'x', response: null, error: { message: 'Request timed out', code: 3000 } }), chatLine('x'))).toMatchObject({
      kind: 'error',
      error: { code: '3000', message: 'Request timed out', retryable: false, status: undefined },
    });
    expect(settle(parsed({ custom_id: 'y', error: 'cancelled' }), chatLine('y'))).toMatchObject({ kind: 'error', customId: 'y', error: { code: 'batch_request_failed', message: 'cancelled' } });
  });

  it.each([
    ['not JSON', '{"custom_id": "a", "resp', undefined],
    ['no custom_id', '{"response": {"status_code": 200, "body": {}}}', undefined],
    ['a response that is not an object', '{"custom_id": "b", "response": "ok"}', 'b'],
    ['neither response nor error', '{"custom_id": "c", "response": null, "error": null}', 'c'],
  ])('reports a malformed line (%s) without throwing', (_case, text, customId) => {
    const result = parseMistralBatchOutputLine(text);
    expect(result).toMatchObject({ kind: 'malformed', message: expect.any(String) });
    expect(result.kind === 'malformed' ? result.customId : 'unexpected').toBe(customId);
  });
});

describe('mapMistralBatchStatus', () => {
  const running = mistralBatchJobSchema.parse(JSON.parse(fixtureText('batch-job.json')));
  const list = mistralBatchJobListSchema.parse(JSON.parse(fixtureText('batch-job-list.json')));
  const done = list.data[0] ?? running;

  it.each([
    ['QUEUED', 'running', []],
    ['RUNNING', 'running', []],
    ['CANCELLATION_REQUESTED', 'running', []],
    ['SUCCESS', 'finished', ['9f3d2c61-6a0e-4b8f-a3c5-1d2e3f4a5b6c', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d']],
    ['FAILED', 'failed', ['9f3d2c61-6a0e-4b8f-a3c5-1d2e3f4a5b6c', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d']],
    ['TIMEOUT_EXCEEDED', 'expired', ['9f3d2c61-6a0e-4b8f-a3c5-1d2e3f4a5b6c', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d']],
    ['CANCELLED', 'cancelled', ['9f3d2c61-6a0e-4b8f-a3c5-1d2e3f4a5b6c', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d']],
  ] as Array<[MistralBatchStatus, string, string[]]>)('maps %s to %s, with the files to read once settled', (status, state, results) => {
    expect(mapMistralBatchStatus({ ...done, status })).toEqual({
      providerBatchId: 'b888f774-3e7c-4135-a18c-6b985523c4bc',
      state,
      providerStatus: status,
      results,
      errors: [],
      counts: { total: 3, succeeded: 2, failed: 1 },
    });
  });

  it('reads only the files there are, and the job’s own errors with their count', () => {
    const snapshot = mapMistralBatchStatus({ ...running, status: 'FAILED', errors: [{ message: 'Invalid input file', count: 3 }, { message: 'Model not found' }] });
    expect(snapshot).toMatchObject({ state: 'failed', results: [], errors: ['Invalid input file (3 times)', 'Model not found'], counts: { total: 3, succeeded: 1, failed: 0 } });
  });

  it('refuses a status it does not know', () => {
    expect(mistralBatchJobSchema.safeParse({ ...running, status: 'PAUSED' }).success).toBe(false);
  });
});

describe('findMistralBatchJobOfPart', () => {
  const jobs = mistralBatchJobListSchema.parse(JSON.parse(fixtureText('batch-job-list.json'))).data;

  it('finds the job by the part id in its metadata, or by its input file, never an excluded one', () => {
    const none = new Set<string>();
    expect(findMistralBatchJobOfPart(jobs, { partId: 'part_01J9Z3', excludeIds: none })?.id).toBe('b888f774-3e7c-4135-a18c-6b985523c4bc');
    expect(findMistralBatchJobOfPart(jobs, { partId: 'other', fileId: 'aaaaaaaa-1111-4222-8333-444444444444', excludeIds: none })?.id).toBe('c1d2e3f4-0000-4000-8000-000000000001');
    expect(findMistralBatchJobOfPart(jobs, { partId: 'part_01J9Z3', excludeIds: new Set(['b888f774-3e7c-4135-a18c-6b985523c4bc']) })).toBeUndefined();
    expect(findMistralBatchJobOfPart(jobs, { partId: 'other', fileId: 'nope', excludeIds: none })).toBeUndefined();
  });
});
