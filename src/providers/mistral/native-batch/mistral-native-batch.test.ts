import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { echoAnswer, MistralBatchServer, type MistralBatchServerLine } from '../../../../test/support/mistral-batch-server.ts';
import { presetProviderSchema } from '../../../config/provider-config.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import type { NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { createPresetWireFormat } from '../../openai-compatible/index.ts';
import { createMistralNativeBatch, type MistralNativeBatch } from './mistral-native-batch.ts';

const signal = new AbortController().signal;
const sync = createPresetWireFormat('mistral');
let server: MistralBatchServer;
let batch: MistralNativeBatch;
let config: ReturnType<typeof presetProviderSchema.parse>;

beforeAll(async () => {
  server = await MistralBatchServer.start({ apiKey: 'test-mistral-key' });
  config = presetProviderSchema.parse({ type: 'mistral', baseUrl: server.baseUrl, apiKey: 'test-mistral-key', timeoutMs: 20_000 });
  batch = createMistralNativeBatch('mistral-batch', config);
});
afterAll(async () => {
  await batch.close();
  await server.close();
});
afterEach(() => {
  Object.assign(server, { completeAfterPolls: 1, progressLines: 0, hold: false, refuseCreates: undefined, dropCreateAnswers: 0, failRetrieves: 0, malformedResults: false });
});

let parts = 0;
const chatLine = (customId: string, text: string, body: Record<string, unknown> = {}) =>
  ({
    customId,
    upstreamModel: 'mistral-small-latest',
    operation: 'chat' as const,
    request: chatCompletionRequestSchema.parse({ model: 'small', messages: [{ role: 'user', content: text }], ...body }),
  }) satisfies NativeBatchLine;
const embeddingsLine = (customId: string, input: unknown) =>
  ({ customId, upstreamModel: 'mistral-embed', operation: 'embeddings' as const, request: embeddingsRequestSchema.parse({ model: 'e', input }) }) satisfies NativeBatchLine;
function submissionOf(lines: readonly NativeBatchLine[], operation: 'chat' | 'embeddings' = 'chat'): NativeBatchSubmission {
  parts += 1;
  return {
    partId: `part-${parts}-${Date.now()}`,
    operation,
    upstreamModel: lines[0]?.upstreamModel ?? 'm',
    lineCount: lines.length,
    lines: async function* () {
      yield* lines;
    },
  };
}
const chatLines = (count: number, prefix = 'line') => Array.from({ length: count }, (_, index) => chatLine(`${prefix}-${index}`, `Question ${index}`));

/** Creates the job, then polls until it settles (a few polls at most in these tests). */
async function runToEnd(submission: NativeBatchSubmission): Promise<NativeBatchSnapshot> {
  const { fileId } = await batch.upload(submission, signal);
  const { providerBatchId } = await batch.create({ ...submission, fileId }, signal);
  for (let poll = 0; poll < 10; poll += 1) {
    const snapshot = await batch.retrieve(providerBatchId, signal);
    if (snapshot.state !== 'running') return snapshot;
  }
  throw new Error('the job did not settle');
}

async function collect(snapshot: NativeBatchSnapshot): Promise<NativeBatchResult[]> {
  const results: NativeBatchResult[] = [];
  for await (const result of batch.readResults(snapshot, signal)) results.push(result);
  return results;
}

/** Every result settled against its request, by custom id. */
async function settleAll(snapshot: NativeBatchSnapshot, lines: readonly NativeBatchLine[]): Promise<Map<string, NativeBatchLineOutcome>> {
  const byId = new Map(lines.map((line) => [line.customId, line]));
  const outcomes = new Map<string, NativeBatchLineOutcome>();
  for (const result of await collect(snapshot)) {
    if (result.kind !== 'result') throw new Error(`malformed: ${result.message}`);
    outcomes.set(result.customId, result.settle(byId.get(result.customId) as NativeBatchLine));
  }
  return outcomes;
}

/** What the server answered a custom id, read from the job's files as Mistral wrote them. */
function answerBodyOf(snapshot: NativeBatchSnapshot, customId: string): unknown {
  for (const fileId of snapshot.results) {
    for (const text of (server.files.get(fileId)?.content ?? '').split('\n')) {
      if (text.includes(`"custom_id":"${customId}"`)) return (JSON.parse(text) as { response: { body: unknown } }).response.body;
    }
  }
  return undefined;
}

describe('Mistral native batch against the Batch API', () => {
  it('uploads the synchronous bodies, creates a job with the part id, and settles chat results as a direct call would', async () => {
    const lines = [chatLine('a', 'Hello', { seed: 3, user: 'u' }), chatLine('b', 'Bonjour'), chatLine('c', 'Hallo')];
    const submission = submissionOf(lines);
    const { fileId } = await batch.upload(submission, signal);
    const uploaded = server.files.get(fileId);
    expect(uploaded?.meta).toMatchObject({ purpose: 'batch', num_lines: 3, filename: `${submission.partId}.jsonl` });
    expect(
      uploaded?.content
        .trimEnd()
        .split('\n')
        .map((text) => JSON.parse(text) as unknown),
    ).toEqual(lines.map((line) => ({ custom_id: line.customId, body: sync.buildChatRequest({ request: line.request, upstreamModel: line.upstreamModel, config, requestId: 'r' }).body })));
    server.completeAfterPolls = 2;
    const { providerBatchId } = await batch.create({ ...submission, fileId }, signal);
    expect(server.jobs.get(providerBatchId)?.job).toMatchObject({
      input_files: [fileId],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      metadata: { gateway_part_id: submission.partId },
    });
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', providerStatus: 'RUNNING', results: [] });
    const snapshot = await batch.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'finished', providerStatus: 'SUCCESS', counts: { total: 3, succeeded: 3, failed: 0 }, errors: [] });
    expect(snapshot.results).toHaveLength(1);

    const results = await collect(snapshot);
    expect(results.map((result) => result.customId)).toEqual(['c', 'b', 'a']);
    const outcomes = await settleAll(snapshot, lines);
    for (const line of lines) {
      const wire = sync.buildChatRequest({ request: line.request, upstreamModel: line.upstreamModel, config, requestId: 'r' });
      const direct = sync.parseChatResponse({ provider: 'mistral-batch', body: answerBodyOf(snapshot, line.customId), upstreamModel: 'm', requestId: 'r' });
      expect(outcomes.get(line.customId)).toEqual({ kind: 'chat', customId: line.customId, result: wire.warnings ? { ...direct, warnings: wire.warnings } : direct });
    }
    expect(outcomes.get('a')).toMatchObject({ result: { usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, warnings: ['mistral does not support "user"; it was not sent'] } });
    expect(outcomes.get('b')).toMatchObject({ result: { completion: { choices: [{ message: { content: 'echo: Bonjour' } }] } } });
  });

  it('runs embeddings on /v1/embeddings and settles their vectors as a direct call would', async () => {
    const first = embeddingsLine('e1', ['one', 'three']);
    const lines = [first, embeddingsLine('e2', 'eleven')];
    const snapshot = await runToEnd(submissionOf(lines, 'embeddings'));
    const job = server.jobs.get(snapshot.providerBatchId)?.job;
    expect(job).toMatchObject({ endpoint: '/v1/embeddings', model: 'mistral-embed' });
    const outcomes = await settleAll(snapshot, lines);
    const direct = sync.embeddings?.parseResponse({ provider: 'mistral-batch', body: answerBodyOf(snapshot, 'e1'), request: first.request, upstreamModel: 'mistral-embed' });
    expect(outcomes.get('e1')).toEqual({ kind: 'embeddings', customId: 'e1', result: direct });
    expect(outcomes.get('e1')).toMatchObject({ result: { vectors: { data: [{ embedding: [3, 0, 0.5] }, { embedding: [5, 1, 0.5] }] }, usage: { promptTokens: 10 } } });
    expect(outcomes.get('e2')).toMatchObject({ kind: 'embeddings', result: { vectors: { data: [{ embedding: [6, 0, 0.5] }] } } });
  });

  it('leaves out of the file a line the preset refuses, the others going on', async () => {
    const { fileId } = await batch.upload(submissionOf([embeddingsLine('ok', 'text'), embeddingsLine('tokens', [[1, 2]])], 'embeddings'), signal);
    expect(
      server.files
        .get(fileId)
        ?.content.trimEnd()
        .split('\n')
        .map((text) => (JSON.parse(text) as { custom_id: string }).custom_id),
    ).toEqual(['ok']);
  });

  it('creates the input file itself when create is called without one', async () => {
    const uploads = server.uploads;
    const { providerBatchId } = await batch.create(submissionOf(chatLines(2, 'no-file')), signal);
    expect(server.uploads).toBe(uploads + 1);
    expect(server.jobs.get(providerBatchId)?.lines.map((line) => line.custom_id)).toEqual(['no-file-0', 'no-file-1']);
  });

  it('settles per-line errors from the error file with the synchronous error parser', async () => {
    server.answer = (line: MistralBatchServerLine) =>
      line.custom_id === 'bad'
        ? { status_code: 400, body: { object: 'error', message: 'Prompt is too long', type: 'invalid_request_error', param: null, code: '3051' } }
        : line.custom_id === 'busy'
          ? { status_code: 429, body: { object: 'error', message: 'Rate limit exceeded', type: 'rate_limit_error', param: null, code: null } }
          : {
              status_code: 200,
              body: {
                id: 'x',
                object: 'chat.completion',
                created: 1,
                model: line.model,
                choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
                usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
              },
            };
    try {
      const lines = [chatLine('good', 'a'), chatLine('bad', 'b'), chatLine('busy', 'c')];
      const snapshot = await runToEnd(submissionOf(lines));
      expect(snapshot).toMatchObject({ state: 'finished', counts: { total: 3, succeeded: 1, failed: 2 } });
      expect(snapshot.results).toHaveLength(2);
      const outcomes = await settleAll(snapshot, lines);
      expect(outcomes.get('good')).toMatchObject({ kind: 'chat', result: { usage: { promptTokens: 3, completionTokens: 1 } } });
      expect(outcomes.get('bad')).toEqual({ kind: 'error', customId: 'bad', error: sync.parseError({ provider: 'mistral-batch', status: 400, headers: {}, body: answerBodyOf(snapshot, 'bad') }) });
      expect(outcomes.get('bad')).toMatchObject({ error: { status: 400, retryable: false } });
      expect(outcomes.get('busy')).toMatchObject({ kind: 'error', error: { status: 429, retryable: true } });
    } finally {
      server.answer = echoAnswer;
    }
  });

  it('finds the job a create made when its answer was lost, once, and never one it is told to exclude', async () => {
    const submission = submissionOf(chatLines(3, 'lost'));
    const createdAfter = new Date();
    const { fileId } = await batch.upload(submission, signal);
    const creates = server.creates;
    server.dropCreateAnswers = 1;
    const failure = await batch.create({ ...submission, fileId }, signal).catch((error: unknown) => error);
    expect(ProviderError.is(failure) && failure.retryable).toBe(true);
    expect(server.creates).toBe(creates + 1);
    // Newer jobs of other parts push it to the second page of the list.
    for (let index = 0; index < 105; index += 1) await batch.create(submissionOf([chatLine(`other-${index}`, 'x')]), signal);
    const lookup = { partId: submission.partId, createdAfter, lineCount: 3, upstreamModel: 'mistral-small-latest', excludeIds: new Set<string>() };
    const found = await batch.findCreated(lookup, signal);
    expect(server.jobs.get(found ?? '')?.job.metadata).toEqual({ gateway_part_id: submission.partId });
    expect(await batch.findCreated({ ...lookup, partId: 'someone-else', fileId }, signal)).toBe(found);
    expect(await batch.findCreated({ ...lookup, excludeIds: new Set([found ?? '']) }, signal)).toBeUndefined();
    expect(['lost-0', 'lost-1', 'lost-2'].map((id) => server.linesReceived.get(id))).toEqual([1, 1, 1]);
  });

  it('cancels a running job: it stays running until CANCELLED, and the lines done by then come back', async () => {
    Object.assign(server, { hold: true, progressLines: 2 });
    const submission = submissionOf(chatLines(5, 'cancel'));
    const { providerBatchId } = await batch.create(submission, signal);
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', counts: { total: 5, succeeded: 2, failed: 0 } });
    await batch.cancel(providerBatchId, signal);
    expect(server.jobs.get(providerBatchId)?.job.status).toBe('CANCELLATION_REQUESTED');
    const snapshot = await batch.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'cancelled', providerStatus: 'CANCELLED' });
    expect((await collect(snapshot)).map((result) => result.customId)).toEqual(['cancel-1', 'cancel-0']);
  });

  it('reads a held job as running, with its progress, until it is released', async () => {
    Object.assign(server, { hold: true, progressLines: 1 });
    const { providerBatchId } = await batch.create(submissionOf(chatLines(3, 'held')), signal);
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', providerStatus: 'RUNNING', results: [], counts: { total: 3, succeeded: 1 } });
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', counts: { succeeded: 2 } });
    server.release();
    const snapshot = await batch.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'finished', counts: { total: 3, succeeded: 3, failed: 0 } });
    expect(await collect(snapshot)).toHaveLength(3);
  });

  it('reads a job that ran out of time as expired, with the lines it finished', async () => {
    Object.assign(server, { hold: true, progressLines: 3 });
    const { providerBatchId } = await batch.create(submissionOf(chatLines(4, 'late')), signal);
    await batch.retrieve(providerBatchId, signal);
    server.expire(providerBatchId);
    const snapshot = await batch.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'expired', providerStatus: 'TIMEOUT_EXCEEDED', counts: { total: 4, succeeded: 3 } });
    expect((await collect(snapshot)).map((result) => result.customId).sort()).toEqual(['late-0', 'late-1', 'late-2']);
  });

  it.each([
    [429, true, 7000],
    [400, false, undefined],
    [503, true, undefined],
  ])('turns a refused create (%i) into a ProviderError with the right retryable', async (status, retryable, retryAfterMs) => {
    server.refuseCreates = { status, times: 1, ...(retryAfterMs ? { retryAfterSeconds: retryAfterMs / 1000 } : {}) };
    const creates = server.creates;
    const failure = await batch.create(submissionOf(chatLines(1, `refused-${status}`)), signal).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ provider: 'mistral-batch', status, retryable, retryAfterMs });
    expect(server.creates).toBe(creates);
  });

  it('fails every call without the right key with a final 401', async () => {
    const stranger = createMistralNativeBatch('mistral-batch', { ...config, apiKey: 'wrong' });
    try {
      await expect(stranger.retrieve('any', signal)).rejects.toMatchObject({ name: 'ProviderError', status: 401, retryable: false });
    } finally {
      await stranger.close();
    }
  });

  it('reports a failed retrieve as retryable, and the job is there on the next poll', async () => {
    const { providerBatchId } = await batch.create(submissionOf(chatLines(1, 'flaky')), signal);
    server.failRetrieves = 1;
    await expect(batch.retrieve(providerBatchId, signal)).rejects.toMatchObject({ status: 500, retryable: true });
    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'finished' });
  });

  it('passes malformed result lines on as such, the rest of the file going on', async () => {
    server.malformedResults = true;
    const snapshot = await runToEnd(submissionOf(chatLines(4, 'odd')));
    const results = await collect(snapshot);
    expect(results.filter((result) => result.kind === 'malformed')).toEqual([
      { kind: 'malformed', message: expect.stringContaining('not JSON') },
      { kind: 'malformed', customId: 'odd-2', message: expect.stringContaining('response') },
    ]);
    expect(results.filter((result) => result.kind === 'result').map((result) => result.customId)).toEqual(['odd-1', 'odd-0']);
  });

  it('carries 100,000 lines through upload, job and results', async () => {
    const lines = chatLines(100_000, 'bulk');
    const snapshot = await runToEnd(submissionOf(lines));
    expect(snapshot).toMatchObject({ state: 'finished', counts: { total: 100_000, succeeded: 100_000 } });
    let settled = 0;
    const byId = new Map(lines.map((line) => [line.customId, line]));
    for await (const result of batch.readResults(snapshot, signal)) {
      if (result.kind === 'result' && result.settle(byId.get(result.customId) as NativeBatchLine).kind === 'chat') settled += 1;
    }
    expect(settled).toBe(100_000);
    expect(server.linesReceived.get('bulk-99999')).toBe(1);
  }, 120_000);
});
