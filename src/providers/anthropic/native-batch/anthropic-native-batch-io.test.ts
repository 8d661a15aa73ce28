import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnthropicBatchServer, echoResult, erroredResult } from '../../../../test/support/anthropic-batch-server.ts';
import { AnthropicWireServer, anthropicError } from '../../../../test/support/anthropic-wire-server.ts';
import { anthropicProviderSchema } from '../../../config/provider-config.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { createProviderClient } from '../../provider-registry.ts';
import { createAnthropicNativeBatch, type AnthropicNativeBatch } from './anthropic-native-batch.ts';

const name = 'claude-direct';
const upstreamModel = 'claude-sonnet-4-5';
const signal = new AbortController().signal;

let server: AnthropicBatchServer;
let capability: AnthropicNativeBatch;
let parts = 0;

const configFor = (baseUrl: string, apiKey: string | null = 'sk-ant-test') => anthropicProviderSchema.parse({ type: 'anthropic', baseUrl, ...(apiKey === null ? {} : { apiKey }) });

beforeEach(async () => {
  server = await AnthropicBatchServer.start();
  capability = createAnthropicNativeBatch(name, configFor(server.baseUrl));
});

afterEach(async () => {
  vi.useRealTimers();
  await capability.close();
  await server.close();
});

function chatLine(customId: string, body: Record<string, unknown> = {}): NativeBatchLine {
  return { operation: 'chat', customId, upstreamModel, request: chatCompletionRequestSchema.parse({ model: 'claude', messages: [{ role: 'user', content: `Hello ${customId}` }], ...body }) };
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

async function collect(iterable: AsyncIterable<NativeBatchResult>): Promise<NativeBatchResult[]> {
  const results: NativeBatchResult[] = [];
  for await (const result of iterable) results.push(result);
  return results;
}

/** Every result of a settled batch, settled with the line it names. */
async function settleAll(target: NativeBatchCapability, snapshot: NativeBatchSnapshot, lines: NativeBatchLine[]): Promise<Map<string, NativeBatchLineOutcome>> {
  const outcomes = new Map<string, NativeBatchLineOutcome>();
  for (const result of await collect(target.readResults(snapshot, signal))) {
    if (result.kind !== 'result') throw new Error(`unexpected malformed line: ${result.message}`);
    const line = lines.find((candidate) => candidate.customId === result.customId);
    if (!line) throw new Error(`result for an unknown line ${result.customId}`);
    outcomes.set(result.customId, result.settle(line));
  }
  return outcomes;
}

async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!ProviderError.is(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

const errorOf = (outcome: NativeBatchLineOutcome | undefined) => (outcome?.kind === 'error' ? outcome.error : undefined);

describe('createAnthropicNativeBatch against the Message Batches API', () => {
  const weatherTool = {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  };
  const messages: Record<string, unknown> = {
    'with-system': {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: upstreamModel,
      content: [{ type: 'text', text: 'Brief hello.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 21, output_tokens: 4 },
    },
    'with-tools': {
      id: 'msg_02',
      type: 'message',
      role: 'assistant',
      model: upstreamModel,
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 30 },
    },
    // No usage: the synchronous path estimates it, and so must the batch.
    'dropped-seed': { id: 'msg_03', type: 'message', role: 'assistant', model: upstreamModel, content: [{ type: 'text', text: 'Seeded?' }], stop_reason: 'end_turn', stop_sequence: null },
  };
  const lines = [
    chatLine('with-system', {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      temperature: 0.3,
    }),
    chatLine('with-tools', { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], tool_choice: 'auto' }),
    chatLine('dropped-seed', { seed: 7, max_tokens: 64 }),
  ];

  it('sends the synchronous params, polls to ended, and settles every line as the synchronous call would', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-02T10:00:00Z') });
    server.answer = (request) => ({ type: 'succeeded', message: messages[request.custom_id] });
    server.completeAfterPolls = 1;
    const wire = new AnthropicWireServer();
    const sync = createProviderClient(name, configFor(await wire.start()));
    try {
      const { providerBatchId } = await capability.create(submissionOf(lines), signal);
      expect(providerBatchId).toMatch(/^msgbatch_/);
      const first = await capability.retrieve(providerBatchId, signal);
      expect(first).toEqual({ providerBatchId, state: 'running', providerStatus: 'in_progress', results: [], errors: [], counts: { total: 3, succeeded: 0, failed: 0 } });
      const ended = await capability.retrieve(providerBatchId, signal);
      expect(ended).toEqual({
        providerBatchId,
        state: 'finished',
        providerStatus: 'ended',
        results: [`${server.baseUrl}/messages/batches/${providerBatchId}/results`],
        errors: [],
        counts: { total: 3, succeeded: 3, failed: 0 },
      });
      const outcomes = await settleAll(capability, ended, lines);

      for (const line of lines) {
        wire.enqueue({ status: 200, body: messages[line.customId] });
        const direct = await sync.chat(line.operation === 'embeddings' ? expect.fail('chat only') : line.request, { upstreamModel, requestId: line.customId });
        const sent = wire.requests.at(-1)?.body;
        expect(server.batches.get(providerBatchId)?.requests.find((request) => request.custom_id === line.customId)?.params).toEqual(sent);
        expect(outcomes.get(line.customId)).toEqual({ kind: 'chat', customId: line.customId, result: direct });
      }
      // The cases the lines stand for really happened: a system prompt, tools, a tool call, a dropped setting, estimated usage.
      expect(server.batches.get(providerBatchId)?.requests[0]?.params).toMatchObject({ system: 'Be brief.', temperature: 0.3 });
      expect(server.batches.get(providerBatchId)?.requests[1]?.params).toMatchObject({ tools: [{ name: 'get_weather' }], tool_choice: { type: 'auto' } });
      expect(outcomes.get('with-tools')).toMatchObject({ result: { completion: { choices: [{ message: { tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }] } } });
      expect(outcomes.get('dropped-seed')).toMatchObject({ result: { warnings: [expect.stringContaining('seed')], usage: { estimated: true } } });
    } finally {
      await sync.close();
      await wire.stop();
    }
  });

  it('streams results in the provider’s order, and reads each batch’s requests once', async () => {
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    const results = await collect(capability.readResults(snapshot, signal));
    expect(results.map((result) => result.kind === 'result' && result.customId)).toEqual(['dropped-seed', 'with-tools', 'with-system']);
    expect([...server.requestsReceived.values()]).toEqual([1, 1, 1]);
  });

  it('maps errored results as the synchronous path maps the same error', async () => {
    server.answer = (request) =>
      request.custom_id === 'with-system'
        ? erroredResult('overloaded_error', 'Overloaded')
        : request.custom_id === 'with-tools'
          ? erroredResult('invalid_request_error', 'max_tokens: Field required')
          : echoResult(request);
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'finished', counts: { total: 3, succeeded: 1, failed: 2 } });
    const outcomes = await settleAll(capability, snapshot, lines);

    const wire = new AnthropicWireServer();
    const sync = createProviderClient(name, configFor(await wire.start()));
    try {
      wire.enqueue(anthropicError(529, 'overloaded_error', 'Overloaded'), anthropicError(400, 'invalid_request_error', 'max_tokens: Field required'));
      const request = lines[0]?.operation === 'embeddings' ? expect.fail('chat only') : lines[0]?.request;
      for (const [customId, retryable] of [
        ['with-system', true],
        ['with-tools', false],
      ] as const) {
        const direct = await rejectionOf(sync.chat(request ?? expect.fail('no line'), { upstreamModel, requestId: customId }));
        const batched = errorOf(outcomes.get(customId));
        const fields = (error: ProviderError | undefined) =>
          error && { provider: error.provider, status: error.status, code: error.code, type: error.type, message: error.message, retryable: error.retryable };
        expect(fields(batched)).toEqual(fields(direct));
        expect(batched?.retryable).toBe(retryable);
      }
    } finally {
      await sync.close();
      await wire.stop();
    }
    expect(outcomes.get('dropped-seed')).toMatchObject({ kind: 'chat', result: { completion: { choices: [{ message: { content: 'echo: Hello dropped-seed' } }] } } });
  });
});

describe('lifecycle', () => {
  const lines = ['first', 'second', 'third'].map((id) => chatLine(id));

  it('polls until the batch ends, through a failed retrieve', async () => {
    server.completeAfterPolls = 2;
    server.failRetrieves = 1;
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    expect(await rejectionOf(capability.retrieve(providerBatchId, signal))).toMatchObject({ status: 500, code: 'api_error', retryable: true });
    const states: string[] = [];
    for (let poll = 0; poll < 3; poll += 1) states.push((await capability.retrieve(providerBatchId, signal)).state);
    expect(states).toEqual(['running', 'running', 'finished']);
  });

  it('cancels: what finished stays, the rest comes back batch_cancelled; a cancel after the end is no error', async () => {
    server.hold = true;
    server.progressRequests = 1;
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    expect(await capability.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', counts: { total: 3, succeeded: 1, failed: 0 } });
    await capability.cancel(providerBatchId, signal);
    expect(server.batches.get(providerBatchId)?.status).toBe('canceling');
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'cancelled', providerStatus: 'ended', counts: { total: 3, succeeded: 1, failed: 2 } });
    const outcomes = await settleAll(capability, snapshot, lines);
    expect(outcomes.get('first')).toMatchObject({ kind: 'chat', result: { completion: { choices: [{ message: { content: 'echo: Hello first' } }] } } });
    for (const id of ['second', 'third']) expect(errorOf(outcomes.get(id))).toMatchObject({ code: 'batch_cancelled', retryable: false });

    await capability.cancel(providerBatchId, signal);
    expect(server.cancels).toBe(1);
  });

  it('expires: what finished stays, the rest comes back batch_expired', async () => {
    server.hold = true;
    server.progressRequests = 2;
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    expect((await capability.retrieve(providerBatchId, signal)).state).toBe('running');
    server.expire(providerBatchId);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    expect(snapshot).toMatchObject({ state: 'expired', counts: { total: 3, succeeded: 2, failed: 1 } });
    const outcomes = await settleAll(capability, snapshot, lines);
    expect([outcomes.get('first')?.kind, outcomes.get('second')?.kind]).toEqual(['chat', 'chat']);
    expect(errorOf(outcomes.get('third'))).toMatchObject({ code: 'batch_expired', retryable: false });
  });

  it('reports a line that is not JSON as malformed, and passes on a line it cannot place', async () => {
    server.malformedResults = true;
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    const results = await collect(capability.readResults(await capability.retrieve(providerBatchId, signal), signal));
    expect(results.filter((result) => result.kind === 'malformed')).toEqual([{ kind: 'malformed', message: expect.stringContaining('not JSON') }]);
    const named = results.flatMap((result) => (result.kind === 'result' ? [result.customId] : []));
    expect(named.sort()).toEqual(['first', 'not-in-this-batch', 'second', 'third']);
  });
});

describe('create refusals', () => {
  it.each([
    ['rate limited', 429, 'rate_limit_error', { 'retry-after': '7' }, true, 7000],
    ['overloaded', 529, 'overloaded_error', {}, true, undefined],
    ['told not to retry', 529, 'overloaded_error', { 'x-should-retry': 'false' }, false, undefined],
    ['invalid', 400, 'invalid_request_error', {}, false, undefined],
  ])('a create refused as %s is a ProviderError with the right retryable', async (_case, status, type, headers, retryable, retryAfterMs) => {
    server.refuseCreates = { status, body: { type: 'error', error: { type, message: 'refused' } }, headers };
    const error = await rejectionOf(capability.create(submissionOf([chatLine('a')]), signal));
    expect(error).toMatchObject({ provider: name, status, code: type, message: 'refused', retryable, retryAfterMs });
    expect(server.creates).toBe(0);
  });

  it('passes on Anthropic’s own refusals: a repeated custom_id, a missing API key', async () => {
    const duplicate = await rejectionOf(capability.create(submissionOf([chatLine('same'), chatLine('same')]), signal));
    expect(duplicate).toMatchObject({ status: 400, code: 'invalid_request_error', message: expect.stringContaining('requests.1.custom_id'), retryable: false });
    const anonymous = createAnthropicNativeBatch(name, configFor(server.baseUrl, null));
    try {
      expect(await rejectionOf(anonymous.retrieve('msgbatch_x', signal))).toMatchObject({ status: 401, code: 'authentication_error', retryable: false });
    } finally {
      await anonymous.close();
    }
    expect(server.creates).toBe(0);
  });
});

describe('lines the converter refuses', () => {
  const embeddingsLine: NativeBatchLine = { operation: 'embeddings', customId: 'an-embedding', upstreamModel, request: embeddingsRequestSchema.parse({ model: 'e', input: 'x' }) };
  const lines = [chatLine('ok-1'), chatLine('two-choices', { n: 2 }), chatLine('has space'), embeddingsLine, chatLine('ok-2')];

  it('fail alone, with the converter’s error, while the rest are created and settle', async () => {
    const { providerBatchId } = await capability.create(submissionOf(lines), signal);
    expect(server.batches.get(providerBatchId)?.requests.map((request) => request.custom_id)).toEqual(['ok-1', 'ok-2']);
    const snapshot = await capability.retrieve(providerBatchId, signal);
    const outcomes = await settleAll(capability, snapshot, lines);
    expect([...outcomes.keys()].sort()).toEqual(['an-embedding', 'has space', 'ok-1', 'ok-2', 'two-choices']);
    expect(errorOf(outcomes.get('two-choices'))).toMatchObject({ status: 400, param: 'n', retryable: false });
    expect(errorOf(outcomes.get('has space'))).toMatchObject({ status: 400, param: 'custom_id', retryable: false });
    expect(errorOf(outcomes.get('an-embedding'))).toMatchObject({ status: 400, param: 'operation', retryable: false });
    expect([outcomes.get('ok-1')?.kind, outcomes.get('ok-2')?.kind]).toEqual(['chat', 'chat']);
  });

  it('are still reported when the create’s answer was lost and the batch found again', async () => {
    server.dropCreateAnswers = 1;
    const submission = submissionOf(lines);
    const createdAfter = new Date();
    expect(await rejectionOf(capability.create(submission, signal))).toMatchObject({ retryable: true });
    const [createdId] = server.batches.keys();
    const found = await capability.findCreated({ partId: submission.partId, createdAfter, lineCount: lines.length, upstreamModel, excludeIds: new Set() }, signal);
    expect(found).toBe(createdId);
    const outcomes = await settleAll(capability, await capability.retrieve(found ?? '', signal), lines);
    expect(errorOf(outcomes.get('two-choices'))).toMatchObject({ param: 'n' });
    expect(outcomes.size).toBe(5);
  });

  it('make no batch at all when every line is refused', async () => {
    const error = await rejectionOf(capability.create(submissionOf([chatLine('two', { n: 2 }), embeddingsLine]), signal));
    expect(error).toMatchObject({ status: 400, param: 'n', retryable: false, message: expect.stringContaining('line two') });
    expect(server.creates).toBe(0);
  });
});

describe('findCreated', () => {
  const three = ['a', 'b', 'c'];
  const submissionOfSize = (ids: string[]) => submissionOf(ids.map((id) => chatLine(`${id}-${parts}`)));
  const lookFor = (target: NativeBatchCapability, createdAfter: Date, excludeIds: string[] = [], partId = 'lost-part') =>
    target.findCreated({ partId, createdAfter, lineCount: 3, upstreamModel, excludeIds: new Set(excludeIds) }, signal);

  it('finds the one batch of the submission’s size created since, by another process too, paging past newer batches', async () => {
    server.now = () => Date.now() - 10 * 60_000;
    await capability.create(submissionOfSize(three), signal); // too old to be ours
    server.now = Date.now;
    const createdAfter = new Date();
    const known = (await capability.create(submissionOfSize(three), signal)).providerBatchId;
    server.dropCreateAnswers = 1;
    expect(await rejectionOf(capability.create(submissionOfSize(three), signal))).toMatchObject({ retryable: true });
    const lost = [...server.batches.keys()].at(-1);
    for (let index = 0; index < 120; index += 1) await capability.create(submissionOfSize(['x', 'y']), signal);

    const elsewhere = createAnthropicNativeBatch(name, configFor(server.baseUrl));
    try {
      expect(await lookFor(elsewhere, createdAfter, [known])).toBe(lost);
    } finally {
      await elsewhere.close();
    }
    expect(server.creates).toBe(123);
  });

  it('answers undefined when several batches could be ours, or none', async () => {
    const createdAfter = new Date();
    await capability.create(submissionOfSize(three), signal);
    await capability.create(submissionOfSize(three), signal);
    expect(await lookFor(capability, createdAfter)).toBeUndefined();
    expect(await lookFor(capability, createdAfter, [...server.batches.keys()])).toBeUndefined();
  });

  it('allows two minutes of clock skew, not more', async () => {
    const createdAfter = new Date();
    server.now = () => Date.now() - 90_000;
    const { providerBatchId } = await capability.create(submissionOfSize(three), signal);
    expect(await lookFor(capability, createdAfter)).toBe(providerBatchId);
    server.now = () => Date.now() - 3 * 60_000;
    const other = createAnthropicNativeBatch(name, configFor(server.baseUrl));
    try {
      expect(await lookFor(other, createdAfter, [providerBatchId])).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
