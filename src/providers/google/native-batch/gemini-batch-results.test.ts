import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { estimateUsage } from '../../estimate-usage.ts';
import type { NativeBatchLine } from '../../native-batch/native-batch-capability.ts';
import { convertGeminiResponse } from '../chat/convert-gemini-response.ts';
import { parseGeminiError } from '../gemini-error.ts';
import { convertGeminiBatchResultLine, geminiLineError, parseGeminiBatchResultLine } from './convert-gemini-batch-results.ts';
import { geminiBatchListSchema, geminiBatchOperationSchema, geminiBatchStates, geminiCreateFileResponseSchema, type GeminiBatchResultLine } from './gemini-batch-schemas.ts';
import { mapGeminiBatchStatus } from './map-gemini-batch-status.ts';

const fixtureText = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const fixture = (name: string) => JSON.parse(fixtureText(name)) as unknown;
const config = { apiKey: 'g-key', headers: {} };

function target(customId: string, body: Record<string, unknown> = {}): NativeBatchLine {
  const request = chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content: 'Hello' }], ...body });
  return { customId, request, upstreamModel: 'gemini-2.5-flash' };
}

function parsed(input: string | unknown): GeminiBatchResultLine {
  const result = parseGeminiBatchResultLine(input);
  if (result.kind !== 'line') throw new Error(result.message);
  return result.line;
}

const responses = fixtureText('batch-responses.jsonl')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => parsed(line));

describe('convertGeminiBatchResultLine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-07-10T09:31:02Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('reads a response as the synchronous converter reads the same GenerateContentResponse', () => {
    const [pizza] = responses;
    const outcome = convertGeminiBatchResultLine({ provider: 'gemini', line: pizza as GeminiBatchResultLine, target: target('request-2'), config });
    expect(outcome).toEqual({
      kind: 'chat',
      customId: 'request-2',
      result: convertGeminiResponse({ provider: 'gemini', body: pizza?.response, upstreamModel: 'gemini-2.5-flash', requestId: 'request-2' }),
    });
    // Thinking tokens are billed as output, as on the synchronous path.
    expect(outcome.kind === 'chat' && outcome.result.usage).toEqual({ promptTokens: 11, completionTokens: 476, totalTokens: 487 });
    expect(outcome.kind === 'chat' && outcome.result.completion.choices[0]?.message.content).toBe('Mozzarella, tomatoes, basil and olive oil on a thin crust.');
  });

  it('adds the warnings of the request’s conversion, as the synchronous call reports them', () => {
    const outcome = convertGeminiBatchResultLine({ provider: 'gemini', line: responses[1] as GeminiBatchResultLine, target: target('request-1', { user: 'u-1' }), config });
    expect(outcome).toMatchObject({ kind: 'chat', customId: 'request-1', result: { warnings: ['user: not supported by Gemini; dropped'] } });
  });

  it('estimates the usage of a response without usageMetadata, as the synchronous call does', () => {
    const line = parsed({ key: 'x', response: { candidates: [{ content: { parts: [{ text: 'Hi there' }], role: 'model' }, finishReason: 'STOP' }] } });
    const request = chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content: 'Say hi to everyone in the room' }] });
    const outcome = convertGeminiBatchResultLine({ provider: 'gemini', line, target: { customId: 'x', request, upstreamModel: 'gemini-2.5-flash' }, config });
    if (outcome.kind !== 'chat') throw new Error('expected a chat outcome');
    expect(outcome.result.usage).toEqual(estimateUsage(request, outcome.result.completion));
    expect(outcome.result.usage.estimated).toBe(true);
  });

  it('reads an INVALID_ARGUMENT line as the synchronous error parser reads a 400, not retried', () => {
    const outcome = convertGeminiBatchResultLine({ provider: 'gemini', line: responses[2] as GeminiBatchResultLine, target: target('request-3'), config });
    expect(outcome).toEqual({
      kind: 'error',
      customId: 'request-3',
      error: parseGeminiError({
        provider: 'gemini',
        status: 400,
        headers: {},
        body: { error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified', status: 'INVALID_ARGUMENT' } },
      }),
    });
    expect(outcome).toMatchObject({ error: { status: 400, code: 'INVALID_ARGUMENT', retryable: false } });
  });

  it('maps gRPC codes onto HTTP statuses: RESOURCE_EXHAUSTED a retried 429, INTERNAL / UNAVAILABLE retried 5xx', () => {
    expect(convertGeminiBatchResultLine({ provider: 'gemini', line: responses[3] as GeminiBatchResultLine, target: target('request-4'), config })).toMatchObject({
      kind: 'error',
      error: { status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true },
    });
    expect(geminiLineError('gemini', { code: 13, message: 'Internal error' })).toMatchObject({ status: 500, code: 'INTERNAL', retryable: true });
    expect(geminiLineError('gemini', { code: 14, message: 'Unavailable' })).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryable: true });
    expect(geminiLineError('gemini', { code: 400, message: 'Bad', status: 'INVALID_ARGUMENT' })).toMatchObject({ status: 400, retryable: false });
  });

  it('turns a request the batch cancelled (code 1) into the non-retryable batch_cancelled', () => {
    expect(geminiLineError('gemini', { code: 1, message: 'The operation was cancelled.' })).toMatchObject({ code: 'batch_cancelled', retryable: false, message: 'The operation was cancelled.' });
  });

  it('fails a response that is not a GenerateContentResponse on its own, as the synchronous path would', () => {
    const line = parsed({ key: 'x', response: { candidates: 'none' } });
    expect(convertGeminiBatchResultLine({ provider: 'gemini', line, target: target('x'), config })).toMatchObject({
      kind: 'error',
      customId: 'x',
      error: { status: 502, code: 'invalid_provider_response', retryable: false },
    });
  });

  it('fails a chat answer given for an embeddings line', () => {
    const embeddings: NativeBatchLine = { customId: 'e', operation: 'embeddings', request: embeddingsRequestSchema.parse({ model: 'embed', input: 'x' }), upstreamModel: 'm' };
    expect(convertGeminiBatchResultLine({ provider: 'gemini', line: responses[1] as GeminiBatchResultLine, target: embeddings, config })).toMatchObject({
      kind: 'error',
      error: { code: 'invalid_provider_response' },
    });
  });
});

describe('parseGeminiBatchResultLine', () => {
  it.each([
    ['not JSON', '{"key":"x","response":{"candid', undefined],
    ['no key', '{"response":{}}', undefined],
    ['a key that is not a string', '{"key":7,"response":{}}', undefined],
    ['neither response nor error', '{"key":"x"}', 'x'],
    ['both response and error', '{"key":"x","response":{},"error":{"code":13}}', 'x'],
    ['an error that is not a status', '{"key":"x","error":"boom"}', 'x'],
  ])('reports a malformed line (%s) without throwing, naming its key when it has one', (_case, text, customId) => {
    const result = parseGeminiBatchResultLine(text);
    expect(result).toMatchObject({ kind: 'malformed', message: expect.any(String) });
    expect(result.kind === 'malformed' ? result.customId : 'unexpected').toBe(customId);
  });
});

describe('mapGeminiBatchStatus', () => {
  const pending = geminiBatchOperationSchema.parse(fixture('batch-operation-pending.json'));
  const succeeded = geminiBatchOperationSchema.parse(fixture('batch-operation-succeeded.json'));

  it('reads a pending batch as running, with its counts and no results yet', () => {
    expect(mapGeminiBatchStatus(pending)).toEqual({
      providerBatchId: 'batches/123456789',
      state: 'running',
      providerStatus: 'BATCH_STATE_PENDING',
      results: [],
      errors: [],
      counts: { total: 2, succeeded: 0, failed: 0 },
    });
  });

  it('reads a succeeded batch’s responses file and its int64 counts', () => {
    expect(mapGeminiBatchStatus(succeeded)).toEqual({
      providerBatchId: 'batches/123456789',
      state: 'finished',
      providerStatus: 'BATCH_STATE_SUCCEEDED',
      results: ['files/batch-123456789'],
      errors: [],
      counts: { total: 4, succeeded: 2, failed: 2 },
    });
  });

  it('finds the responses file in metadata.output too (where the SDKs read it)', () => {
    const withoutResponse = { ...succeeded, response: undefined };
    expect(mapGeminiBatchStatus(withoutResponse).results).toEqual(['files/batch-123456789']);
  });

  it('keeps a cancelled batch’s finished lines and does not report its code-1 error as a failure', () => {
    const cancelled = { ...succeeded, response: undefined, error: { code: 1, message: 'The operation was cancelled.' }, metadata: { ...succeeded.metadata, state: 'BATCH_STATE_CANCELLED' as const } };
    expect(mapGeminiBatchStatus(cancelled)).toMatchObject({ state: 'cancelled', providerStatus: 'BATCH_STATE_CANCELLED', results: ['files/batch-123456789'], errors: [] });
  });

  it('reports a failed batch’s error, and an expired batch with no results', () => {
    const failed = { ...pending, done: true, error: { code: 3, message: 'Invalid input file.', status: 'INVALID_ARGUMENT' }, metadata: { ...pending.metadata, state: 'BATCH_STATE_FAILED' as const } };
    expect(mapGeminiBatchStatus(failed)).toMatchObject({ state: 'failed', results: [], errors: ['INVALID_ARGUMENT: Invalid input file.'] });
    const expired = { ...pending, done: true, metadata: { ...pending.metadata, state: 'BATCH_STATE_EXPIRED' as const } };
    expect(mapGeminiBatchStatus(expired)).toMatchObject({ state: 'expired', providerStatus: 'BATCH_STATE_EXPIRED', results: [], errors: [] });
  });

  it.each([
    ['JOB_STATE_PENDING', 'running'],
    ['JOB_STATE_RUNNING', 'running'],
    ['JOB_STATE_SUCCEEDED', 'finished'],
    ['JOB_STATE_FAILED', 'failed'],
    ['JOB_STATE_CANCELLED', 'cancelled'],
    ['JOB_STATE_EXPIRED', 'expired'],
  ] as const)('reads the SDKs’ name %s as %s', (state, expected) => {
    expect(mapGeminiBatchStatus({ ...succeeded, metadata: { ...succeeded.metadata, state } }).state).toBe(expected);
  });

  it('waits for done: a terminal state word on an operation not yet done is still running, without results', () => {
    expect(mapGeminiBatchStatus({ ...succeeded, done: false })).toMatchObject({ state: 'running', results: [] });
  });

  it('settles an operation done without a state word by its outcome', () => {
    expect(mapGeminiBatchStatus({ name: 'batches/x', done: true, response: { responsesFile: 'files/r' } })).toMatchObject({ state: 'finished', providerStatus: 'done', results: ['files/r'] });
    expect(mapGeminiBatchStatus({ name: 'batches/x', done: true, error: { code: 13, message: 'Internal' } })).toMatchObject({ state: 'failed', errors: ['13: Internal'] });
  });

  it('covers both state vocabularies and refuses an unknown state word or a name that is not a batch', () => {
    expect(geminiBatchStates).toHaveLength(14);
    expect(geminiBatchOperationSchema.safeParse({ ...succeeded, metadata: { ...succeeded.metadata, state: 'BATCH_STATE_PAUSED' } }).success).toBe(false);
    expect(geminiBatchOperationSchema.safeParse({ ...succeeded, name: 'operations/1' }).success).toBe(false);
  });
});

describe('Gemini batch wire schemas', () => {
  it('reads the uploaded file’s resource name', () => {
    expect(geminiCreateFileResponseSchema.parse(fixture('file-upload.json')).file).toMatchObject({ name: 'files/123456', sizeBytes: 254, state: 'ACTIVE' });
  });

  it('reads a batch list page without checking its operations one by one', () => {
    const page = geminiBatchListSchema.parse({ operations: [fixture('batch-operation-pending.json'), { name: 'odd' }], nextPageToken: 'token' });
    expect(page.operations).toHaveLength(2);
    expect(page.nextPageToken).toBe('token');
  });
});
