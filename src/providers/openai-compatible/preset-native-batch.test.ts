import { afterEach, describe, expect, it } from 'vitest';
import { echoAnswer, OpenAIBatchServer, type OpenAIBatchServerFlavor } from '../../../test/support/openai-batch-server.ts';
import { presetProviderSchema, type PresetProviderConfig } from '../../config/provider-config.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../chat-completion-schemas.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../native-batch/native-batch-capability.ts';
import { convertOpenAIResponse } from '../openai/chat/convert-openai-response.ts';
import { createPresetWireFormat } from './index.ts';
import { createPresetNativeBatch } from './preset-native-batch.ts';

const signal = new AbortController().signal;
let server: OpenAIBatchServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(flavor: OpenAIBatchServerFlavor, type: 'groq' | 'together'): Promise<{ server: OpenAIBatchServer; batch: NativeBatchCapability; config: PresetProviderConfig }> {
  server = await OpenAIBatchServer.start({ flavor, completeAfterPolls: 1 });
  const config = presetProviderSchema.parse({ type, baseUrl: server.baseUrl, apiKey: server.apiKey });
  const batch = createPresetNativeBatch(`${type}-batch`, config);
  if (!batch) throw new Error(`${type} has a batch API`);
  return { server, batch, config };
}

function chatLine(customId: string, body: Record<string, unknown>, upstreamModel = 'llama-3.1-8b-instant'): NativeBatchLine {
  return { customId, upstreamModel, operation: 'chat', request: chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content: customId }], ...body }) };
}

function submission(partId: string, lines: NativeBatchLine[]): NativeBatchSubmission {
  return {
    partId,
    operation: 'chat',
    upstreamModel: lines[0]?.upstreamModel ?? '',
    lineCount: lines.length,
    lines: async function* () {
      yield* lines;
    },
  };
}

async function submit(batch: NativeBatchCapability, part: NativeBatchSubmission): Promise<{ fileId: string; providerBatchId: string }> {
  const { fileId } = await (batch.upload as NonNullable<NativeBatchCapability['upload']>)(part, signal);
  return { fileId, ...(await batch.create({ ...part, fileId }, signal)) };
}

async function outcomesOf(batch: NativeBatchCapability, snapshot: NativeBatchSnapshot, lines: NativeBatchLine[]) {
  const results: NativeBatchResult[] = [];
  for await (const result of batch.readResults(snapshot, signal)) results.push(result);
  return results.map((result) => (result.kind === 'result' ? result.settle(lines.find((line) => line.customId === result.customId) as NativeBatchLine) : result));
}

function uploaded(batchServer: OpenAIBatchServer, providerBatchId: string): unknown[] {
  const file = batchServer.files.get(batchServer.batches.get(providerBatchId)?.batch.input_file_id ?? '');
  return (file?.content.toString('utf8') ?? '')
    .split('\n')
    .filter((text) => text !== '')
    .map((text) => JSON.parse(text) as unknown);
}

function syncBody(type: 'groq' | 'together', config: PresetProviderConfig, line: NativeBatchLine): unknown {
  if (line.operation === 'embeddings') throw new Error('chat only');
  return createPresetWireFormat(type).buildChatRequest({ request: line.request, upstreamModel: line.upstreamModel, config, requestId: 'r' }).body;
}

describe('createPresetNativeBatch', () => {
  it('has no batch API for a preset whose vendor has none in OpenAI’s shape', () => {
    expect(createPresetNativeBatch('mistral', presetProviderSchema.parse({ type: 'mistral', apiKey: 'k' }))).toBeUndefined();
    expect(createPresetNativeBatch('deepseek', presetProviderSchema.parse({ type: 'deepseek', apiKey: 'k' }))).toBeUndefined();
  });

  it('Groq: lines carry the sync body with the preset’s quirks, under /openai/v1, and settle as OpenAI answers', async () => {
    const { server, batch, config } = await start('groq', 'groq');
    expect(batch.operations).toEqual(['chat']);
    expect(batch.limits).toEqual({ maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200_000_000 });
    const lines = [chatLine('g-1', { logprobs: true, top_logprobs: 2 }), chatLine('g-2', { temperature: 0.1 })];
    const { providerBatchId } = await submit(batch, submission('part-groq', lines));
    const sent = uploaded(server, providerBatchId);
    expect(sent).toEqual(lines.map((line) => ({ custom_id: line.customId, method: 'POST', url: '/v1/chat/completions', body: syncBody('groq', config, line) })));
    expect(sent[0]).not.toHaveProperty('body.logprobs');
    expect(server.createRequests[0]).toMatchObject({ endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { gateway_part_id: 'part-groq' } });

    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', providerStatus: 'in_progress' });
    const finished = await batch.retrieve(providerBatchId, signal);
    const outcomes = await outcomesOf(batch, finished, lines);
    const stored = server.batches.get(providerBatchId)?.lines ?? [];
    expect(outcomes).toEqual(stored.map((line) => ({ kind: 'chat', customId: line.customId, result: convertOpenAIResponse({ provider: 'groq-batch', body: echoAnswer(line).body }) })).reverse());
  });

  it('Groq: finds a lost create through cursor-paged lists', async () => {
    const { server, batch } = await start('groq', 'groq');
    server.listPageSize = 1;
    const createdAfter = new Date(Date.now() - 1000);
    const first = await submit(batch, submission('part-first', [chatLine('p-1', {})]));
    await submit(batch, submission('part-second', [chatLine('p-2', {})]));
    await submit(batch, submission('part-third', [chatLine('p-3', {})]));
    const found = await batch.findCreated({ partId: 'part-first', createdAfter, lineCount: 1, upstreamModel: 'llama-3.1-8b-instant', excludeIds: new Set() }, signal);
    expect(found).toBe(first.providerBatchId);
    expect(server.lists).toBe(3);
  });

  it('Together: `{custom_id, body}` lines to /files/upload, `model_id` and no metadata on create, upper-case statuses and ISO times read', async () => {
    const { server, batch, config } = await start('together', 'together');
    const model = 'meta-llama/Llama-3.3-70B-Instruct-Turbo';
    const lines = [chatLine('t-1', { max_completion_tokens: 64 }, model), chatLine('t-2', {}, model)];
    const { fileId, providerBatchId } = await submit(batch, submission('part-together', lines));
    expect(batch.limits.maxBytesPerBatch).toBe(100_000_000);
    expect(server.files.get(fileId)?.object).toMatchObject({ purpose: 'batch-api', filename: 'part-together.jsonl' });
    const sent = uploaded(server, providerBatchId);
    expect(sent).toEqual(lines.map((line) => ({ custom_id: line.customId, body: syncBody('together', config, line) })));
    expect(sent[0]).toMatchObject({ body: { max_tokens: 64 } });
    expect(server.createRequests[0]).toEqual({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', model_id: model });

    expect(await batch.retrieve(providerBatchId, signal)).toMatchObject({ state: 'running', providerStatus: 'IN_PROGRESS', results: [] });
    const finished = await batch.retrieve(providerBatchId, signal);
    expect(finished).toMatchObject({ state: 'finished', providerStatus: 'COMPLETED' });
    const outcomes = await outcomesOf(batch, finished, lines);
    expect(outcomes.map((outcome) => [outcome.kind, outcome.customId])).toEqual([
      ['chat', 't-2'],
      ['chat', 't-1'],
    ]);
  });

  it('Together: finds a lost create by its input file, cancels at once keeping what ran, and reads its error lines', async () => {
    const { server, batch } = await start('together', 'together');
    const lines = ['1', '2', '3'].map((n) => chatLine(`c-${n}`, {}));
    const part = submission('part-cancel', lines);
    const createdAfter = new Date(Date.now() - 1000);
    const { fileId } = await (batch.upload as NonNullable<NativeBatchCapability['upload']>)(part, signal);
    server.dropCreateAnswers = 1;
    server.hold = true;
    server.progressLines = 1;
    server.answer = (line) => (line.customId === 'c-1' ? { status_code: 400, body: { error: { message: 'Invalid model specified', code: 'invalid_model' } } } : echoAnswer(line));
    const lost = await batch.create({ ...part, fileId }, signal).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ProviderError.is(lost) && lost.retryable).toBe(true);
    const lookup = { partId: 'part-cancel', createdAfter, lineCount: 3, upstreamModel: 'llama-3.1-8b-instant', excludeIds: new Set<string>() };
    expect(await batch.findCreated(lookup, signal)).toBeUndefined();
    const providerBatchId = await batch.findCreated({ ...lookup, fileId }, signal);
    expect(providerBatchId).toBe([...server.batches.keys()][0]);
    expect(server.creates).toBe(1);

    await batch.cancel(providerBatchId ?? '', signal);
    const cancelled = await batch.retrieve(providerBatchId ?? '', signal);
    expect(cancelled).toMatchObject({ state: 'cancelled', providerStatus: 'CANCELLED' });
    const outcomes = await outcomesOf(batch, cancelled, lines);
    expect(outcomes).toEqual([
      { kind: 'error', customId: 'c-3', error: expect.objectContaining({ code: 'batch_cancelled', retryable: false }) },
      { kind: 'error', customId: 'c-2', error: expect.objectContaining({ code: 'batch_cancelled', retryable: false }) },
      { kind: 'error', customId: 'c-1', error: expect.objectContaining({ code: 'invalid_model', message: 'Invalid model specified', retryable: false }) },
    ]);
  });
});
