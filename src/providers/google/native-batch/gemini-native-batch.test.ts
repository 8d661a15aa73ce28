import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GeminiBatchServer, echoBatchAnswer, type StoredGeminiBatch } from '../../../../test/support/gemini-batch-server.ts';
import { googleProviderSchema } from '../../../config/provider-config.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import type { NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { convertGeminiResponse } from '../chat/convert-gemini-response.ts';
import { convertToGeminiRequest } from '../chat/convert-to-gemini-request.ts';
import { createGeminiNativeBatch, type GeminiNativeBatch } from './gemini-native-batch.ts';

const name = 'gemini-batch';
const upstreamModel = 'gemini-2.5-flash';
const signal = new AbortController().signal;

let server: GeminiBatchServer;
let capability: GeminiNativeBatch;
let parts = 0;

const configFor = (baseUrl: string, apiKey: string) => googleProviderSchema.parse({ type: 'google', baseUrl, apiKey, timeoutMs: 20_000 });

beforeEach(async () => {
  server = await GeminiBatchServer.start();
  capability = createGeminiNativeBatch(name, configFor(server.baseUrl, server.apiKey));
});

afterEach(async () => {
  await capability.close();
  await server.close();
});

type ChatLine = Extract<NativeBatchLine, { operation?: 'chat' }>;

function chatLine(customId: string, body: Record<string, unknown> = {}): ChatLine {
  return { operation: 'chat', customId, upstreamModel, request: chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content: `Hello ${customId}` }], ...body }) };
}

/** A line the request converter refuses (an image Gemini cannot reach). */
function refusedLine(customId: string): ChatLine {
  return chatLine(customId, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/cat.png' } }] }] });
}

function submissionOf(lines: NativeBatchLine[], partId = `part_${(parts += 1)}`): NativeBatchSubmission {
  return {
    partId,
    operation: 'chat',
    upstreamModel,
    lineCount: lines.length,
    lines: async function* () {
      yield* lines;
    },
  };
}

async function submit(lines: NativeBatchLine[], partId?: string): Promise<{ providerBatchId: string; fileId: string; submission: NativeBatchSubmission }> {
  const submission = submissionOf(lines, partId);
  const { fileId } = await (capability.upload?.(submission, signal) ?? Promise.reject(new Error('no upload step')));
  const { providerBatchId } = await capability.create({ ...submission, fileId }, signal);
  return { providerBatchId, fileId, submission };
}

async function collect(iterable: AsyncIterable<NativeBatchResult>): Promise<NativeBatchResult[]> {
  const results: NativeBatchResult[] = [];
  for await (const result of iterable) results.push(result);
  return results;
}

/** Every result of a settled batch, settled with the line it names, in the order read. */
async function settleAll(snapshot: NativeBatchSnapshot, lines: NativeBatchLine[]): Promise<NativeBatchLineOutcome[]> {
  const byId = new Map(lines.map((line) => [line.customId, line]));
  return (await collect(capability.readResults(snapshot, signal))).map((result) => {
    if (result.kind !== 'result') throw new Error(`unexpected malformed line: ${result.message}`);
    const line = byId.get(result.customId);
    if (!line) throw new Error(`a result for an unknown line ${result.customId}`);
    return result.settle(line);
  });
}

/** `created` is the clock's second when converted: the same answer converted twice may differ there only. */
function withoutClock(outcome: NativeBatchLineOutcome | undefined): unknown {
  return outcome?.kind === 'chat' ? { ...outcome, result: { ...outcome.result, completion: { ...outcome.result.completion, created: 0 } } } : outcome;
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('createGeminiNativeBatch', () => {
  it('uploads the lines as the synchronous bodies, creates, polls and reads results settled as the synchronous converters read them', async () => {
    server.completeAfterPolls = 1;
    const lines = [chatLine('line-1', { temperature: 0.2, user: 'u-1' }), chatLine('line-2'), chatLine('line-3', { max_tokens: 5 })];
    const { providerBatchId, fileId, submission } = await submit(lines);

    const uploaded = server.files.get(fileId);
    expect(uploaded?.mimeType).toBe('application/jsonl');
    const fileLines = uploaded?.content
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((text) => JSON.parse(text) as unknown);
    expect(fileLines).toEqual(lines.map((line) => ({ key: line.customId, request: convertToGeminiRequest({ request: line.request, upstreamModel, config: { headers: {} }, requestId: 'r' }).body })));
    const stored = server.batches.get(providerBatchId);
    expect(stored).toMatchObject({ displayName: submission.partId, model: 'models/gemini-2.5-flash', inputFileName: fileId });
    expect([...server.requestsReceived.values()]).toEqual([1, 1, 1]);

    expect(await capability.retrieve(providerBatchId, signal)).toEqual({
      providerBatchId,
      state: 'running',
      providerStatus: 'BATCH_STATE_RUNNING',
      results: [],
      errors: [],
      counts: { total: 3, succeeded: 0, failed: 0 },
    });
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot).toEqual({
      providerBatchId,
      state: 'finished',
      providerStatus: 'BATCH_STATE_SUCCEEDED',
      results: [stored?.responsesFile],
      errors: [],
      counts: { total: 3, succeeded: 3, failed: 0 },
    });

    const outcomes = await settleAll(snapshot, lines);
    // Gemini promises no order: this server answers in reverse.
    expect(outcomes.map((outcome) => outcome.customId)).toEqual(['line-3', 'line-2', 'line-1']);
    for (const line of lines) {
      const body = convertToGeminiRequest({ request: line.request, upstreamModel, config: { headers: {} }, requestId: line.customId });
      const answer = echoBatchAnswer(body.body);
      const sync = convertGeminiResponse({ provider: name, body: 'response' in answer ? answer.response : undefined, upstreamModel, requestId: line.customId });
      const expected = { kind: 'chat', customId: line.customId, result: body.warnings ? { ...sync, warnings: body.warnings } : sync };
      expect(withoutClock(outcomes.find((outcome) => outcome.customId === line.customId))).toEqual(withoutClock(expected as NativeBatchLineOutcome));
    }
    expect(outcomes[2]).toMatchObject({ result: { usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, warnings: ['user: not supported by Gemini; dropped'] } });
  });

  it('leaves a line the converter refuses out of the file and reports it first, with the converter’s 400', async () => {
    const lines = [chatLine('ok-1'), refusedLine('refused'), chatLine('ok-2')];
    const { providerBatchId } = await submit(lines);
    expect([...server.requestsReceived.keys()].sort()).toEqual(['ok-1', 'ok-2']);
    const outcomes = await settleAll(await capability.retrieve(providerBatchId, signal), lines);
    expect(outcomes.map((outcome) => [outcome.customId, outcome.kind])).toEqual([
      ['refused', 'error'],
      ['ok-2', 'chat'],
      ['ok-1', 'chat'],
    ]);
    expect(outcomes[0]).toMatchObject({ error: { status: 400, param: 'messages[0].content[0].image_url.url', retryable: false } });
    // Reported once: the refusal is forgotten after the results have been read.
    expect((await settleAll(await capability.retrieve(providerBatchId, signal), lines)).map((outcome) => outcome.customId)).not.toContain('refused');
  });

  it('uploads nothing for a submission whose every line is refused, or that is not chat', async () => {
    expect(await thrown(capability.upload?.(submissionOf([refusedLine('a'), refusedLine('b')]), signal) ?? Promise.resolve())).toMatchObject({
      name: 'ProviderError',
      status: 400,
      retryable: false,
      message: expect.stringContaining('line a'),
    });
    const embeddings = {
      ...submissionOf([{ operation: 'embeddings', customId: 'e', upstreamModel, request: embeddingsRequestSchema.parse({ model: 'embed', input: 'x' }) }]),
      operation: 'embeddings' as const,
    };
    expect(await thrown(capability.create(embeddings, signal))).toMatchObject({ status: 400, retryable: false });
    expect(capability.operations).toEqual(['chat']);
    expect(server.uploads).toBe(0);
    expect(server.creates).toBe(0);
  });

  it('settles each line’s error as the synchronous error parser would, retryable by its status', async () => {
    server.answer = (request, key) =>
      key === 'invalid'
        ? { error: { code: 3, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } }
        : key === 'busy'
          ? { error: { code: 8, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }
          : echoBatchAnswer(request);
    const lines = [chatLine('invalid'), chatLine('busy'), chatLine('fine')];
    const { providerBatchId } = await submit(lines);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot.counts).toEqual({ total: 3, succeeded: 1, failed: 2 });
    const outcomes = new Map((await settleAll(snapshot, lines)).map((outcome) => [outcome.customId, outcome]));
    expect(outcomes.get('invalid')).toMatchObject({ kind: 'error', error: { status: 400, code: 'INVALID_ARGUMENT', retryable: false, message: 'Invalid JSON payload received.' } });
    expect(outcomes.get('busy')).toMatchObject({ kind: 'error', error: { status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true } });
    expect(outcomes.get('fine')).toMatchObject({ kind: 'chat' });
  });

  it('finds the batch a create made when its answer was lost, by display name, and not another part’s', async () => {
    server.dropCreateAnswers = 1;
    const lines = [chatLine('a'), refusedLine('refused')];
    const submission = submissionOf(lines);
    const createdAfter = new Date();
    const { fileId } = (await capability.upload?.(submission, signal)) ?? { fileId: '' };
    const lost = await thrown(capability.create({ ...submission, fileId }, signal));
    expect(lost).toBeInstanceOf(ProviderError);
    expect(lost).toMatchObject({ retryable: true });
    expect(server.creates).toBe(1);
    // Batches made later (by others) push ours beyond the first page of the list.
    const [made] = [...server.batches.values()];
    for (let index = 0; index < 150; index += 1) {
      const other: StoredGeminiBatch = { ...(made as StoredGeminiBatch), name: `batches/other-${index}`, displayName: `other-${index}`, inputFileName: `files/other-${index}` };
      server.batches.set(other.name, other);
    }
    const input = { partId: submission.partId, fileId, createdAfter, lineCount: lines.length, upstreamModel, excludeIds: new Set<string>() };
    const found = await capability.findCreated(input, signal);
    expect(found).toBe(made?.name);
    expect(await capability.findCreated({ ...input, excludeIds: new Set([made?.name ?? '']) }, signal)).toBeUndefined();
    expect(await capability.findCreated({ ...input, partId: 'part_unknown', fileId: undefined }, signal)).toBeUndefined();
    expect(server.creates).toBe(1);
    // The refused line is still reported for the batch found.
    const outcomes = await settleAll(await capability.retrieve(found ?? '', signal), lines);
    expect(outcomes.map((outcome) => outcome.customId)).toEqual(['refused', 'a']);
  });

  it('cancels a running batch: what was done comes back, the rest has no result; cancelling again is done', async () => {
    server.hold = true;
    server.progressRequests = 2;
    const lines = ['c-1', 'c-2', 'c-3', 'c-4'].map((id) => chatLine(id));
    const { providerBatchId } = await submit(lines);
    expect(await capability.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', counts: { total: 4, succeeded: 2, failed: 0 } });
    await capability.cancel(providerBatchId, signal);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'cancelled', providerStatus: 'BATCH_STATE_CANCELLED', errors: [], results: [expect.stringMatching(/^files\//)] });
    expect((await settleAll(snapshot, lines)).map((outcome) => [outcome.customId, outcome.kind])).toEqual([
      ['c-2', 'chat'],
      ['c-1', 'chat'],
    ]);
    await expect(capability.cancel(providerBatchId, signal)).resolves.toBeUndefined();
  });

  it('reports an expired batch with no results, as Gemini keeps none', async () => {
    server.hold = true;
    server.progressRequests = 1;
    const lines = [chatLine('x-1'), chatLine('x-2')];
    const { providerBatchId } = await submit(lines);
    server.expire(providerBatchId);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'expired', providerStatus: 'BATCH_STATE_EXPIRED', results: [], errors: [] });
    expect(await settleAll(snapshot, lines)).toEqual([]);
  });

  it('holds batches until released', async () => {
    server.hold = true;
    const { providerBatchId } = await submit([chatLine('h-1')]);
    expect((await capability.retrieve(providerBatchId, signal)).state).toBe('running');
    expect((await capability.retrieve(providerBatchId, signal)).state).toBe('running');
    server.release();
    expect((await capability.retrieve(providerBatchId, signal)).state).toBe('finished');
  });

  it('throws Gemini’s refusal of a create as a ProviderError, retryable for a 429, not for a 400', async () => {
    const submission = submissionOf([chatLine('r-1')]);
    const { fileId } = (await capability.upload?.(submission, signal)) ?? { fileId: '' };
    server.refuseCreates = { status: 429, code: 'RESOURCE_EXHAUSTED', message: 'You exceeded your current quota.' };
    expect(await thrown(capability.create({ ...submission, fileId }, signal))).toMatchObject({ name: 'ProviderError', status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true });
    server.refuseCreates = { status: 400, code: 'INVALID_ARGUMENT', message: 'Batch API is not supported for this model.' };
    expect(await thrown(capability.create({ ...submission, fileId }, signal))).toMatchObject({
      status: 400,
      code: 'INVALID_ARGUMENT',
      retryable: false,
      message: 'Batch API is not supported for this model.',
    });
    expect(server.creates).toBe(0);
  });

  it('reports a wrong key as the gateway’s 401 and a failed retrieve as retryable', async () => {
    const wrongKey = createGeminiNativeBatch(name, configFor(server.baseUrl, 'not-the-key'));
    try {
      expect(await thrown(wrongKey.upload?.(submissionOf([chatLine('k')]), signal) ?? Promise.resolve())).toMatchObject({ status: 401, retryable: false });
    } finally {
      await wrongKey.close();
    }
    const { providerBatchId } = await submit([chatLine('f-1')]);
    server.failRetrieves = 1;
    expect(await thrown(capability.retrieve(providerBatchId, signal))).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryable: true });
    expect((await capability.retrieve(providerBatchId, signal)).state).toBe('finished');
  });

  it('yields a results line it cannot read as malformed and goes on with the rest', async () => {
    server.malformedResults = true;
    const lines = [chatLine('m-1'), chatLine('m-2')];
    const { providerBatchId } = await submit(lines);
    const results = await collect(capability.readResults(await capability.retrieve(providerBatchId, signal), signal));
    expect(results.filter((result) => result.kind === 'malformed')).toEqual([
      { kind: 'malformed', message: expect.stringContaining('not JSON') },
      { kind: 'malformed', customId: 'no-outcome', message: expect.stringContaining('exactly one of response and error') },
    ]);
    expect(results.filter((result) => result.kind === 'result').map((result) => result.customId)).toEqual(['m-2', 'm-1']);
  });

  it('carries 100,000 requests through one batch', { timeout: 60_000 }, async () => {
    const lines = Array.from({ length: 100_000 }, (_unused, index) => chatLine(`bulk-${index}`));
    const { providerBatchId } = await submit(lines);
    expect(server.requestsReceived.size).toBe(100_000);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot.counts).toEqual({ total: 100_000, succeeded: 100_000, failed: 0 });
    let settled = 0;
    const byId = new Map(lines.map((line) => [line.customId, line]));
    for await (const result of capability.readResults(snapshot, signal)) {
      if (result.kind === 'result' && result.settle(byId.get(result.customId) as NativeBatchLine).kind === 'chat') settled += 1;
    }
    expect(settled).toBe(100_000);
  });
});

describe('GeminiBatchServer', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': server.apiKey }) =>
    fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('refuses a call without a key as Google does, and takes inline requests as the guide shows them', async () => {
    const inline = {
      batch: {
        display_name: 'my-batch-requests',
        input_config: {
          requests: {
            requests: ['photosynthesis', 'pizza'].map((topic, index) => ({ request: { contents: [{ role: 'user', parts: [{ text: topic }] }] }, metadata: { key: `request-${index + 1}` } })),
          },
        },
      },
    };
    const refused = await post('/models/gemini-2.5-flash:batchGenerateContent', inline, {});
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });

    const created = (await (await post('/models/gemini-2.5-flash:batchGenerateContent', inline)).json()) as { name: string; metadata: unknown };
    expect(created.metadata).toMatchObject({ displayName: 'my-batch-requests', model: 'models/gemini-2.5-flash', state: 'BATCH_STATE_PENDING', batchStats: { requestCount: '2' } });
    const done = (await (await fetch(`${server.baseUrl}/${created.name}`, { headers: { 'x-goog-api-key': server.apiKey } })).json()) as Record<string, unknown>;
    expect(done).toMatchObject({ done: true, metadata: { state: 'BATCH_STATE_SUCCEEDED' } });
    // Inline responses come back in input order, each with its request's metadata.
    expect(done['response']).toMatchObject({
      inlinedResponses: {
        inlinedResponses: [
          { metadata: { key: 'request-1' }, response: { candidates: [{ content: { parts: [{ text: 'echo: photosynthesis' }] } }] } },
          { metadata: { key: 'request-2' }, response: { candidates: [{ content: { parts: [{ text: 'echo: pizza' }] } }] } },
        ],
      },
    });
  });

  it('lists batches newest first, page by page', async () => {
    const submitted = [await submit([chatLine('l-1')]), await submit([chatLine('l-2')]), await submit([chatLine('l-3')])];
    const page = async (token?: string) =>
      (await (await fetch(`${server.baseUrl}/batches?pageSize=2${token ? `&pageToken=${token}` : ''}`, { headers: { 'x-goog-api-key': server.apiKey } })).json()) as {
        operations: Array<{ name: string }>;
        nextPageToken?: string;
      };
    const first = await page();
    const second = await page(first.nextPageToken);
    expect([...first.operations, ...second.operations].map((operation) => operation.name)).toEqual(submitted.map((batch) => batch.providerBatchId).reverse());
    expect(second.nextPageToken).toBeUndefined();
  });
});
