import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertOpenAIResponse } from '../chat/convert-openai-response.ts';
import { convertOpenAIEmbeddingsResponse } from '../embeddings/convert-openai-embeddings-response.ts';
import { parseOpenAIError } from '../openai-error.ts';
import { convertOpenAIBatchOutputLine, parseOpenAIBatchOutputLine, type OpenAIBatchLineTarget } from './convert-openai-batch-results.ts';
import { mapOpenAIBatchStatus } from './map-openai-batch-status.ts';
import { openAIBatchSchema, openAIBatchStatuses, type OpenAIBatchOutputLine } from './openai-batch-schemas.ts';

function fixtureText(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');
}

const fileLines = (name: string) =>
  fixtureText(name)
    .split('\n')
    .filter((text) => text.length > 0);
const embeddingsRequest = embeddingsRequestSchema.parse({ model: 'embed', input: 'The food was delicious' });
const embeddingsTarget: OpenAIBatchLineTarget = { operation: 'embeddings', request: embeddingsRequest, upstreamModel: 'text-embedding-3-small' };

function parsed(text: string): OpenAIBatchOutputLine {
  const result = parseOpenAIBatchOutputLine(text);
  if (result.kind !== 'line') throw new Error(result.message);
  return result.line;
}

describe('convertOpenAIBatchOutputLine', () => {
  const [chat = '', embeddings = '', failed = ''] = fileLines('batch-output.jsonl');

  it('reads a chat line as the synchronous response converter reads the same body', () => {
    const line = parsed(chat);
    const outcome = convertOpenAIBatchOutputLine({ provider: 'openai', line, target: { operation: 'chat' } });
    expect(outcome).toEqual({ kind: 'chat', customId: 'request-1', result: convertOpenAIResponse({ provider: 'openai', body: line.response?.body }) });
    expect(outcome.kind === 'chat' && outcome.result.usage).toEqual({ promptTokens: 22, completionTokens: 2, totalTokens: 24 });
  });

  it('reads an embeddings line as the synchronous response converter reads the same body', () => {
    const line = parsed(embeddings);
    const outcome = convertOpenAIBatchOutputLine({ provider: 'openai', line, target: embeddingsTarget });
    const sync = convertOpenAIEmbeddingsResponse({ provider: 'openai', body: line.response?.body, request: embeddingsRequest, upstreamModel: 'text-embedding-3-small' });
    expect(outcome).toEqual({ kind: 'embeddings', customId: 'request-2', result: sync });
  });

  it('reads an error response as the synchronous error parser does, with the line’s status', () => {
    const line = parsed(failed);
    const outcome = convertOpenAIBatchOutputLine({ provider: 'openai', line, target: { operation: 'chat' } });
    expect(outcome.kind).toBe('error');
    const error = outcome.kind === 'error' ? outcome.error : undefined;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toEqual(parseOpenAIError({ provider: 'openai', status: 400, headers: {}, body: line.response?.body }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_value', param: 'temperature', retryable: false });
  });

  it('turns a 5xx line into a retryable error', () => {
    const line = parsed(JSON.stringify({ custom_id: 'x', response: { status_code: 500, request_id: 'r', body: { error: { message: 'boom', type: 'server_error' } } }, error: null }));
    expect(convertOpenAIBatchOutputLine({ provider: 'openai', line, target: { operation: 'chat' } })).toMatchObject({ kind: 'error', error: { status: 500, retryable: true } });
  });

  it('turns error-file lines (expired, cancelled) into non-retryable errors with OpenAI’s code', () => {
    const outcomes = fileLines('batch-errors.jsonl').map((text) => convertOpenAIBatchOutputLine({ provider: 'openai', line: parsed(text), target: { operation: 'chat' } }));
    expect(outcomes).toMatchObject([
      { kind: 'error', customId: 'request-4', error: { code: 'batch_expired', retryable: false, message: expect.stringContaining('completion window') } },
      { kind: 'error', customId: 'request-5', error: { code: 'batch_cancelled', retryable: false } },
    ]);
  });

  it('fails a 200 line whose body is not a completion on its own, as the synchronous path would', () => {
    const line = parsed(JSON.stringify({ custom_id: 'x', response: { status_code: 200, body: { nope: true } }, error: null }));
    expect(convertOpenAIBatchOutputLine({ provider: 'openai', line, target: { operation: 'chat' } })).toMatchObject({
      kind: 'error',
      customId: 'x',
      error: { status: 502, code: 'invalid_provider_response', retryable: false },
    });
  });
});

describe('parseOpenAIBatchOutputLine', () => {
  it.each([
    ['not JSON', '{"custom_id": "x", ', undefined],
    ['no custom_id', '{"response": null, "error": {"code": "batch_expired"}}', undefined],
    ['a status that is not a number', '{"custom_id": "x", "response": {"status_code": "200", "body": {}}, "error": null}', 'x'],
    ['neither response nor error', '{"custom_id": "x", "response": null, "error": null}', 'x'],
    ['both response and error', '{"custom_id": "x", "response": {"status_code": 200, "body": {}}, "error": {"code": "c"}}', 'x'],
  ])('reports a malformed line (%s) without throwing, naming its custom_id when it has one', (_case, text, customId) => {
    const result = parseOpenAIBatchOutputLine(text);
    expect(result).toMatchObject({ kind: 'malformed', message: expect.any(String) });
    expect(result.kind === 'malformed' ? result.customId : 'unexpected').toBe(customId);
  });

  it('takes JSON already parsed', () => {
    expect(parseOpenAIBatchOutputLine({ custom_id: 'x', response: null, error: { code: 'batch_expired', message: 'm' } })).toMatchObject({ kind: 'line', line: { custom_id: 'x' } });
  });
});

describe('mapOpenAIBatchStatus', () => {
  const completed = openAIBatchSchema.parse(JSON.parse(fixtureText('batch.json')));

  it.each([
    ['validating', 'running', []],
    ['in_progress', 'running', []],
    ['finalizing', 'running', []],
    ['cancelling', 'running', []],
    ['completed', 'finished', ['file-cvaTdG', 'file-HOWS94']],
    ['expired', 'expired', ['file-cvaTdG', 'file-HOWS94']],
    ['cancelled', 'cancelled', ['file-cvaTdG', 'file-HOWS94']],
    ['failed', 'failed', []],
  ] as const)('maps %s to %s, with the files to read', (status, state, files) => {
    expect(mapOpenAIBatchStatus({ ...completed, status })).toEqual({ state, raw: status, fileIdsToRead: files, errors: [] });
  });

  it('covers every status OpenAI documents', () => {
    for (const status of openAIBatchStatuses) expect(mapOpenAIBatchStatus({ ...completed, status }).raw).toBe(status);
  });

  it('reads only the files that exist', () => {
    expect(mapOpenAIBatchStatus({ ...completed, error_file_id: null }).fileIdsToRead).toEqual(['file-cvaTdG']);
  });

  it('reports a failed batch’s errors', () => {
    const failed = openAIBatchSchema.parse(JSON.parse(fixtureText('batch-failed.json')));
    expect(mapOpenAIBatchStatus(failed)).toEqual({ state: 'failed', raw: 'failed', fileIdsToRead: [], errors: ['invalid_json_line: This line is not parseable as valid JSON. (line 3)'] });
  });

  it('keeps fields OpenAI adds and refuses an unknown status', () => {
    expect(openAIBatchSchema.parse({ ...completed, model: 'gpt-4.1' })).toHaveProperty('model', 'gpt-4.1');
    expect(openAIBatchSchema.safeParse({ ...completed, status: 'paused' }).success).toBe(false);
  });
});
