import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { echoAnswer, OpenAIBatchServer, vectorOf } from '../../../../test/support/openai-batch-server.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import { convertOpenAIResponse } from '../chat/convert-openai-response.ts';
import { convertToOpenAIRequest } from '../chat/convert-to-openai-request.ts';
import { convertOpenAIEmbeddingsResponse } from '../embeddings/convert-openai-embeddings-response.ts';
import { convertToOpenAIEmbeddingsRequest } from '../embeddings/convert-to-openai-embeddings-request.ts';
import { createOpenAINativeBatch } from './openai-native-batch.ts';

const signal = new AbortController().signal;
const provider = 'openai-batch';

function chatLine(customId: string, content: string, upstreamModel = 'gpt-4.1-mini'): NativeBatchLine {
  return { customId, upstreamModel, operation: 'chat', request: chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content }], temperature: 0.3 }) };
}

function embeddingsLine(customId: string, input: string | string[]): NativeBatchLine {
  return { customId, upstreamModel: 'text-embedding-3-small', operation: 'embeddings', request: embeddingsRequestSchema.parse({ model: 'embed', input }) };
}

function submission(partId: string, lines: NativeBatchLine[]): NativeBatchSubmission & { reads: number } {
  const first = lines[0] as NativeBatchLine;
  const result = {
    partId,
    operation: first.operation ?? 'chat',
    upstreamModel: first.upstreamModel,
    lineCount: lines.length,
    reads: 0,
    lines: async function* () {
      result.reads += 1;
      yield* lines;
    },
  };
  return result;
}

async function submit(batch: NativeBatchCapability, part: NativeBatchSubmission): Promise<{ fileId: string; providerBatchId: string }> {
  const upload = batch.upload;
  if (!upload) throw new Error('expected an upload step');
  const { fileId } = await upload(part, signal);
  const { providerBatchId } = await batch.create({ ...part, fileId }, signal);
  return { fileId, providerBatchId };
}

async function readAll(batch: NativeBatchCapability, snapshot: NativeBatchSnapshot): Promise<NativeBatchResult[]> {
  const results: NativeBatchResult[] = [];
  for await (const result of batch.readResults(snapshot, signal)) results.push(result);
  return results;
}

function settleAll(results: NativeBatchResult[], lines: NativeBatchLine[]) {
  return results.map((result) => {
    if (result.kind !== 'result') return result;
    const line = lines.find((candidate) => candidate.customId === result.customId);
    return line ? result.settle(line) : { kind: 'unknown' as const, customId: result.customId };
  });
}

/** The input file the server received for a batch, line by line. */
function uploadedLines(server: OpenAIBatchServer, providerBatchId: string): unknown[] {
  const fileId = server.batches.get(providerBatchId)?.batch.input_file_id ?? '';
  const content = server.files.get(fileId)?.content.toString('utf8') ?? '';
  return content
    .split('\n')
    .filter((text) => text !== '')
    .map((text) => JSON.parse(text) as unknown);
}

async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!ProviderError.is(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe('createOpenAINativeBatch against an OpenAI Batch API server', () => {
  let server: OpenAIBatchServer;
  let batch: NativeBatchCapability;

  beforeEach(async () => {
    server = await OpenAIBatchServer.start({ completeAfterPolls: 1 });
    batch = createOpenAINativeBatch({ name: provider, baseUrl: server.baseUrl, timeoutMs: 5_000, config: { apiKey: server.apiKey, headers: {} } });
  });

  afterEach(async () => {
    await server.close();
  });

  it('uploads the chat lines as the synchronous bodies, creates the batch, polls it to completion and settles each answer as the sync converter reads it', async () => {
    const lines = [chatLine('line-1', 'one'), chatLine('line-2', 'two'), chatLine('line-3', 'three')];
    const part = submission('part-chat', lines);
    const { fileId, providerBatchId } = await submit(batch, part);

    expect(server.uploads).toBe(1);
    expect(server.creates).toBe(1);
    expect(server.files.get(fileId)?.object).toMatchObject({ purpose: 'batch', filename: 'part-chat.jsonl' });
    expect(uploadedLines(server, providerBatchId)).toEqual(
      lines.map((line) => ({
        custom_id: line.customId,
        method: 'POST',
        url: '/v1/chat/completions',
        body: line.operation !== 'embeddings' ? convertToOpenAIRequest({ request: line.request, upstreamModel: line.upstreamModel, config: { headers: {} }, requestId: 'r' }).body : undefined,
      })),
    );
    expect(server.batches.get(providerBatchId)?.batch).toMatchObject({ endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { gateway_part_id: 'part-chat' } });

    const running = await batch.retrieve(providerBatchId, signal);
    expect(running).toMatchObject({ providerBatchId, state: 'running', providerStatus: 'in_progress', results: [], errors: [] });
    const finished = await batch.retrieve(providerBatchId, signal);
    expect(finished).toMatchObject({ state: 'finished', providerStatus: 'completed', counts: { total: 3, succeeded: 3, failed: 0 } });
    expect(finished.results).toEqual([server.batches.get(providerBatchId)?.batch.output_file_id]);

    const results = await readAll(batch, finished);
    // The server writes results in reverse: they are matched by custom_id, never by position.
    expect(results.map((result) => (result.kind === 'result' ? result.customId : result.kind))).toEqual(['line-3', 'line-2', 'line-1']);
    const outcomes = settleAll(results, lines);
    for (const line of lines) {
      const stored = server.batches.get(providerBatchId)?.lines.find((candidate) => candidate.customId === line.customId);
      if (!stored) throw new Error(`no stored line ${line.customId}`);
      expect(outcomes).toContainEqual({ kind: 'chat', customId: line.customId, result: convertOpenAIResponse({ provider, body: echoAnswer(stored).body }) });
    }
    expect(outcomes[2]).toMatchObject({
      kind: 'chat',
      result: { completion: { choices: [{ message: { content: 'echo: one' } }] }, usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } },
    });
  });

  it('batches embeddings on /v1/embeddings and settles them as the sync embeddings converter does', async () => {
    const lines = [embeddingsLine('emb-1', 'first text'), embeddingsLine('emb-2', ['a', 'bc'])];
    const { providerBatchId } = await submit(batch, submission('part-embeddings', lines));
    expect(batch.operations).toEqual(['chat', 'embeddings']);
    expect(uploadedLines(server, providerBatchId)).toEqual(
      lines.map((line) => ({
        custom_id: line.customId,
        method: 'POST',
        url: '/v1/embeddings',
        body:
          line.operation === 'embeddings' ? convertToOpenAIEmbeddingsRequest({ request: line.request, upstreamModel: line.upstreamModel, config: { headers: {} }, requestId: 'r' }).body : undefined,
      })),
    );
    await batch.retrieve(providerBatchId, signal);
    const outcomes = settleAll(await readAll(batch, await batch.retrieve(providerBatchId, signal)), lines);
    for (const line of lines) {
      if (line.operation !== 'embeddings') continue;
      const stored = server.batches.get(providerBatchId)?.lines.find((candidate) => candidate.customId === line.customId);
      if (!stored) throw new Error(`no stored line ${line.customId}`);
      const sync = convertOpenAIEmbeddingsResponse({ provider, body: echoAnswer(stored).body, request: line.request, upstreamModel: line.upstreamModel });
      expect(outcomes).toContainEqual({ kind: 'embeddings', customId: line.customId, result: sync });
    }
    expect(outcomes.find((outcome) => outcome.customId === 'emb-2')).toMatchObject({ result: { vectors: { data: [{ embedding: vectorOf('a') }, { embedding: vectorOf('bc') }] } } });
  });

  it('finds a batch whose create answer was lost, by its part id, without creating it twice', async () => {
    const lines = [chatLine('lost-1', 'hello')];
    const part = submission('part-lost', lines);
    const createdAfter = new Date();
    const { fileId } = await (batch.upload as NonNullable<NativeBatchCapability['upload']>)(part, signal);
    server.dropCreateAnswers = 1;
    const error = await rejectionOf(batch.create({ ...part, fileId }, signal));
    expect(error.retryable).toBe(true);
    expect(server.creates).toBe(1);

    const lookup = { partId: 'part-lost', createdAfter, lineCount: 1, upstreamModel: 'gpt-4.1-mini', excludeIds: new Set<string>() };
    const found = await batch.findCreated(lookup, signal);
    expect(found).toBe([...server.batches.keys()][0]);
    expect(await batch.findCreated({ ...lookup, excludeIds: new Set([found ?? '']) }, signal)).toBeUndefined();
    expect(await batch.findCreated({ ...lookup, partId: 'another-part' }, signal)).toBeUndefined();
    // By its input file, where the metadata is not what the gateway wrote.
    expect(await batch.findCreated({ ...lookup, partId: 'another-part', fileId }, signal)).toBe(found);
    expect(server.creates).toBe(1);
  });

  it('pages through the batch list until it reaches batches older than the create could be', async () => {
    server.listPageSize = 2;
    const createdAfter = new Date(Date.now() - 60_000);
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) ids.push((await submit(batch, submission(`part-${name}`, [chatLine(`${name}-1`, name)]))).providerBatchId);
    // Newest first: [e, d] [c, b] [a].
    const lookup = { createdAfter, lineCount: 1, upstreamModel: 'gpt-4.1-mini', excludeIds: new Set<string>() };
    expect(await batch.findCreated({ ...lookup, partId: 'part-a' }, signal)).toBe(ids[0]);
    expect(server.lists).toBe(3);

    for (const id of ids.slice(0, 3)) (server.batches.get(id) as { batch: { created_at: number } }).batch.created_at -= 3600;
    server.lists = 0;
    expect(await batch.findCreated({ ...lookup, partId: 'part-a' }, signal)).toBeUndefined();
    expect(server.lists).toBe(2);
  });

  it('cancels a running batch: the lines that finished keep their answers, the others fail as batch_cancelled', async () => {
    server.hold = true;
    server.progressLines = 2;
    const lines = ['1', '2', '3', '4'].map((n) => chatLine(`c-${n}`, `text ${n}`));
    const { providerBatchId } = await submit(batch, submission('part-cancel', lines));
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', counts: { total: 4, succeeded: 2 } });
    await batch.cancel(providerBatchId, signal);
    expect(server.cancels).toBe(1);
    const cancelled = await batch.retrieve(providerBatchId, signal);
    expect(cancelled).toMatchObject({ state: 'cancelled', providerStatus: 'cancelled' });
    expect(cancelled.results).toHaveLength(2);
    const outcomes = settleAll(await readAll(batch, cancelled), lines);
    expect(outcomes.filter((outcome) => outcome.kind === 'chat').map((outcome) => outcome.customId)).toEqual(['c-2', 'c-1']);
    expect(outcomes.filter((outcome) => outcome.kind === 'error')).toEqual([
      { kind: 'error', customId: 'c-4', error: expect.objectContaining({ code: 'batch_cancelled', retryable: false }) },
      { kind: 'error', customId: 'c-3', error: expect.objectContaining({ code: 'batch_cancelled', retryable: false }) },
    ]);
  });

  it('reads an expired batch: finished lines answered, the rest batch_expired', async () => {
    server.hold = true;
    server.progressLines = 1;
    const lines = ['1', '2', '3'].map((n) => chatLine(`x-${n}`, `text ${n}`));
    const { providerBatchId } = await submit(batch, submission('part-expire', lines));
    await batch.retrieve(providerBatchId, signal);
    server.expire(providerBatchId);
    const expired = await batch.retrieve(providerBatchId, signal);
    expect(expired).toMatchObject({ state: 'expired', providerStatus: 'expired', counts: { total: 3, succeeded: 1, failed: 2 } });
    const outcomes = settleAll(await readAll(batch, expired), lines);
    expect(outcomes.map((outcome) => [outcome.customId, outcome.kind === 'error' ? outcome.error.code : outcome.kind])).toEqual([
      ['x-1', 'chat'],
      ['x-3', 'batch_expired'],
      ['x-2', 'batch_expired'],
    ]);
  });

  it.each([
    [400, { error: { message: 'The model `gpt-4.1-mini` does not support the Batch API.', type: 'invalid_request_error', param: 'model', code: 'model_not_supported' } }, false],
    [429, { error: { message: 'Too many batch creations.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, true],
  ])('turns a create refused with %i into a ProviderError read by the OpenAI error parser', async (status, body, retryable) => {
    server.refuseCreates = { status, body };
    const part = submission('part-refused', [chatLine('r-1', 'x')]);
    const { fileId } = await (batch.upload as NonNullable<NativeBatchCapability['upload']>)(part, signal);
    const error = await rejectionOf(batch.create({ ...part, fileId }, signal));
    expect(error).toMatchObject({ provider, status, code: body.error.code, message: body.error.message, retryable });
    expect(server.creates).toBe(0);
  });

  it('reports a batch that fails validation (the enqueued-token limit, mixed models) with the provider’s errors and no results', async () => {
    server.failValidation = OpenAIBatchServer.tokenLimitExceeded('gpt-4.1-mini');
    const { providerBatchId } = await submit(batch, submission('part-quota', [chatLine('q-1', 'x')]));
    const failed = await batch.retrieve(providerBatchId, signal);
    expect(failed).toMatchObject({ state: 'failed', providerStatus: 'failed', results: [] });
    expect(failed.errors).toEqual([expect.stringMatching(/^token_limit_exceeded: Enqueued token limit reached for gpt-4\.1-mini/)]);

    server.failValidation = undefined;
    const mixed = await submit(batch, submission('part-mixed', [chatLine('m-1', 'x', 'gpt-4.1-mini'), chatLine('m-2', 'y', 'gpt-4.1')]));
    expect((await batch.retrieve(mixed.providerBatchId, signal)).errors).toEqual([expect.stringMatching(/^model_mismatch: /)]);
  });

  it('yields a line that is not JSON as malformed, and a result for a custom_id nobody sent, without stopping', async () => {
    server.malformedResults = true;
    const lines = [chatLine('ok-1', 'a'), chatLine('ok-2', 'b')];
    const { providerBatchId } = await submit(batch, submission('part-malformed', lines));
    await batch.retrieve(providerBatchId, signal);
    const results = await readAll(batch, await batch.retrieve(providerBatchId, signal));
    expect(results.filter((result) => result.kind === 'malformed')).toEqual([{ kind: 'malformed', message: expect.stringContaining('not JSON') }]);
    const customIds = results.flatMap((result) => (result.kind === 'result' ? [result.customId] : []));
    expect(customIds.sort()).toEqual(['no-such-request', 'ok-1', 'ok-2']);
    expect(settleAll(results, lines).filter((outcome) => outcome.kind === 'chat')).toHaveLength(2);
  });

  it('turns a transient 500 into a retryable error and a wrong key into a non-retryable 401', async () => {
    const { providerBatchId } = await submit(batch, submission('part-flaky', [chatLine('f-1', 'x')]));
    server.failRetrieves = 1;
    expect(await rejectionOf(batch.retrieve(providerBatchId, signal))).toMatchObject({ status: 500, retryable: true });
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running' });

    const wrongKey = createOpenAINativeBatch({ name: provider, baseUrl: server.baseUrl, timeoutMs: 5_000, config: { apiKey: 'sk-wrong', headers: {} } });
    expect(await rejectionOf(wrongKey.retrieve(providerBatchId, signal))).toMatchObject({ status: 401, code: 'invalid_api_key', retryable: false });
  });

  it('reads the lines afresh for each upload and refuses a line of another operation than its batch', async () => {
    const part = submission('part-twice', [chatLine('t-1', 'x')]);
    const upload = batch.upload as NonNullable<NativeBatchCapability['upload']>;
    await upload(part, signal);
    await upload(part, signal);
    expect(part.reads).toBe(2);

    const mixed = { ...submission('part-ops', [chatLine('o-1', 'x'), embeddingsLine('o-2', 'y')]) };
    expect(await rejectionOf(upload(mixed, signal))).toMatchObject({ code: 'mixed_batch_operations', retryable: false });
  });
});
