import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { parseAnthropicStreamError } from '../anthropic-error.ts';
import { convertAnthropicResponse } from '../convert-anthropic-response.ts';
import { convertToAnthropicRequest } from '../convert-to-anthropic-request.ts';
import { testSettings } from '../__fixtures__/build-anthropic-request.ts';
import { anthropicMessageBatchSchema, type AnthropicBatchResultLine } from './anthropic-batch-schemas.ts';
import { buildAnthropicBatchResultsRequest, buildCancelAnthropicBatchRequest, buildRetrieveAnthropicBatchRequest } from './anthropic-batch-requests.ts';
import { convertAnthropicBatchResultLine, parseAnthropicBatchResultLine } from './convert-anthropic-batch-results.ts';
import { convertToAnthropicBatchRequests } from './convert-to-anthropic-batch-requests.ts';
import { mapAnthropicBatchStatus } from './map-anthropic-batch-status.ts';

const fixtureText = (name: string) => readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');
const chat = (body: Record<string, unknown>) => chatCompletionRequestSchema.parse({ model: 'claude', messages: [{ role: 'user', content: 'Hello' }], ...body });
const now = () => 1_727_203_044_000;

describe('convertToAnthropicBatchRequests', () => {
  it('sends as params exactly the synchronous Messages body, warnings kept per line, models mixed', () => {
    const request = chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      temperature: 0.3,
      seed: 7,
    });
    const { requests, rejected } = convertToAnthropicBatchRequests(
      [
        { customId: 'line-1', request, upstreamModel: 'claude-sonnet-4-5' },
        { customId: 'line-2', request: chat({}), upstreamModel: 'claude-haiku-4-5' },
      ],
      testSettings,
    );
    const sync = convertToAnthropicRequest({ request, upstreamModel: 'claude-sonnet-4-5', config: testSettings, requestId: 'r' });
    expect(rejected).toEqual([]);
    expect(requests[0]).toEqual({ request: { custom_id: 'line-1', params: sync.body }, warnings: sync.warnings });
    expect(requests[1]?.request.params.model).toBe('claude-haiku-4-5');
    expect(requests[1]).not.toHaveProperty('warnings');
  });

  it('rejects a line the converter refuses, or a custom id Anthropic refuses, on its own', () => {
    const { requests, rejected } = convertToAnthropicBatchRequests(
      [
        { customId: 'ok', request: chat({}), upstreamModel: 'm' },
        { customId: 'two', request: chat({ n: 2 }), upstreamModel: 'm' },
        { customId: 'has space', request: chat({}), upstreamModel: 'm' },
      ],
      testSettings,
    );
    expect(requests.map((line) => line.request.custom_id)).toEqual(['ok']);
    expect(rejected).toMatchObject([
      { customId: 'two', error: { status: 400, param: 'n', retryable: false } },
      { customId: 'has space', error: { status: 400, param: 'custom_id', retryable: false } },
    ]);
  });
});

describe('Anthropic batch requests', () => {
  it('retrieves, cancels and reads results by id', () => {
    const config = testSettings;
    expect(buildRetrieveAnthropicBatchRequest({ batchId: 'msgbatch_1', config })).toMatchObject({
      method: 'GET',
      path: '/messages/batches/msgbatch_1',
      headers: { 'x-api-key': 'sk-ant-secret', 'anthropic-version': '2023-06-01' },
    });
    expect(buildCancelAnthropicBatchRequest({ batchId: 'msgbatch_1', config })).toMatchObject({ method: 'POST', path: '/messages/batches/msgbatch_1/cancel' });
    expect(buildAnthropicBatchResultsRequest({ batchId: 'msgbatch_1', config })).toMatchObject({ method: 'GET', path: '/messages/batches/msgbatch_1/results' });
  });
});

describe('convertAnthropicBatchResultLine', () => {
  const lines = fixtureText('message-batch-results.jsonl')
    .split('\n')
    .filter((text) => text.length > 0)
    .map((text) => {
      const parsed = parseAnthropicBatchResultLine(text);
      if (parsed.kind !== 'line') throw new Error(parsed.message);
      return parsed.line;
    });
  const convert = (line: AnthropicBatchResultLine | undefined) => convertAnthropicBatchResultLine({ provider: 'anthropic', line: line as AnthropicBatchResultLine }, now);

  it('reads a succeeded line as the synchronous response converter reads the same message', () => {
    const line = lines[0];
    const message = line?.result.type === 'succeeded' ? line.result.message : undefined;
    expect(convert(line)).toEqual({ kind: 'chat', customId: 'my-second-request', result: convertAnthropicResponse({ provider: 'anthropic', body: message }, now) });
  });

  it('reads an errored line as the synchronous error mapping does', () => {
    const outcome = convert(lines[1]);
    expect(outcome).toEqual({
      kind: 'error',
      customId: 'my-first-request',
      error: parseAnthropicStreamError({ provider: 'anthropic', body: { type: 'error', error: { type: 'invalid_request_error', message: 'Validation error: max_tokens: Field required' } } }),
    });
    expect(outcome).toMatchObject({ error: { status: 400, code: 'invalid_request_error', retryable: false } });
    const bare = parseAnthropicBatchResultLine({ custom_id: 'x', result: { type: 'errored', error: { type: 'api_error', message: 'Internal' } } });
    expect(bare.kind === 'line' && convert(bare.line)).toMatchObject({ kind: 'error', error: { status: 500, code: 'api_error', retryable: true } });
  });

  it('turns canceled and expired lines into non-retryable batch_cancelled and batch_expired', () => {
    expect([convert(lines[2]), convert(lines[3])]).toMatchObject([
      { kind: 'error', customId: 'my-third-request', error: { code: 'batch_cancelled', retryable: false } },
      { kind: 'error', customId: 'my-fourth-request', error: { code: 'batch_expired', retryable: false } },
    ]);
  });

  it('fails a succeeded line whose message is not one on its own, as the synchronous path would', () => {
    const parsed = parseAnthropicBatchResultLine({ custom_id: 'x', result: { type: 'succeeded', message: { nope: true } } });
    expect(parsed.kind === 'line' && convert(parsed.line)).toMatchObject({ kind: 'error', customId: 'x', error: { status: 502, code: 'invalid_provider_response' } });
  });

  it.each([
    ['not JSON', '{"custom_id":', undefined],
    ['an unknown result type', '{"custom_id":"x","result":{"type":"paused"}}', 'x'],
    ['an errored line without error', '{"custom_id":"x","result":{"type":"errored"}}', 'x'],
  ])('reports a malformed line (%s) without throwing', (_case, text, customId) => {
    const result = parseAnthropicBatchResultLine(text);
    expect(result).toMatchObject({ kind: 'malformed', message: expect.any(String) });
    expect(result.kind === 'malformed' ? result.customId : 'unexpected').toBe(customId);
  });
});

describe('mapAnthropicBatchStatus', () => {
  const inProgress = anthropicMessageBatchSchema.parse(JSON.parse(fixtureText('message-batch.json')));
  const ended = anthropicMessageBatchSchema.parse(JSON.parse(fixtureText('message-batch-ended.json')));
  const resultsUrl = 'https://api.anthropic.com/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results';

  it.each([
    ['in progress', inProgress, 'running', undefined],
    ['canceling', { ...inProgress, processing_status: 'canceling' as const, cancel_initiated_at: '2024-09-24T18:40:00Z' }, 'running', undefined],
    ['ended', ended, 'finished', resultsUrl],
    ['ended after a cancel', { ...ended, cancel_initiated_at: '2024-09-24T18:40:00Z', request_counts: { ...ended.request_counts, canceled: 3 } }, 'cancelled', resultsUrl],
    ['ended with expired lines', { ...ended, request_counts: { ...ended.request_counts, expired: 2 } }, 'expired', resultsUrl],
  ])('maps a batch %s', (_case, batch, state, url) => {
    expect(mapAnthropicBatchStatus(batch)).toEqual({ state, raw: batch.processing_status, resultsUrl: url });
  });

  it('refuses an unknown processing status', () => {
    expect(anthropicMessageBatchSchema.safeParse({ ...ended, processing_status: 'paused' }).success).toBe(false);
  });
});
