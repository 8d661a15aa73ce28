import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchLineSampled } from '../src/observability/tracing.ts';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { RecordedSpans, traceparentOf } from './support/recorded-spans.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';
const callerTraceparent = `00-${callerTraceId}-${callerSpanId}-01`;
const serverError = () => openaiError(503, { message: 'Engine overloaded', type: 'server_error' });

/**
 * The gateway's spans, exported into memory from a gateway running in this process (API and workers
 * in one): the tree of one request across the queue, the GenAI attributes of its provider calls,
 * retries and fallback hops, the trace context the provider receives, and batch lines sampled.
 */
describe('OpenTelemetry traces', () => {
  const primary = new OpenAIWireServer();
  const backup = new OpenAIWireServer();
  const spans = new RecordedSpans({ batchLineRatio: 0.01, failedBatchLines: true });
  const logLines: string[] = [];
  let harness: TestGateway;
  let key: string;
  let backupPort: number;

  beforeAll(async () => {
    const [primaryUrl, backupUrl] = await Promise.all([primary.start(), backup.start()]);
    backupPort = Number(new URL(backupUrl).port);
    const openai = (baseUrl: string) => ({ type: 'openai', baseUrl, maxAttempts: 2, retryBaseDelayMs: 10 });
    harness = await startTestGateway({
      tracing: spans.tracing,
      environment: { LOG_LEVEL: 'info' },
      logDestination: { write: (line: string) => void logLines.push(line) },
      config: {
        providers: { primary: openai(primaryUrl), backup: openai(backupUrl), mock: { type: 'mock', latencyMs: 0 } },
        models: {
          chain: {
            routes: [
              { provider: 'primary', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'gpt-4o-mini' },
            ],
          },
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
          'mock-embed': { routes: [{ provider: 'mock', model: 'embed' }] },
        },
        batches: { chunkSize: 100 },
        breakers: { enabled: false },
      },
    });
    key = (await harness.createKey('traced')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([primary.stop(), backup.stop()]);
    await spans.shutdown();
  });
  beforeEach(() => {
    primary.requests.length = 0;
    backup.requests.length = 0;
  });

  const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(`${harness.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hello' }], ...body }, key, headers);
  /** Waits until the trace holds a span of this name, ended. */
  const settled = async (traceId: string, name: string, count = 1) => {
    await expect.poll(() => spans.inTrace(traceId).filter((span) => span.name === name).length, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(count);
  };
  const clientCallsOf = (job: ReadableSpan) => spans.childrenOf(job).filter((span) => span.kind === SpanKind.CLIENT);

  it('follows a sync call from the HTTP span through the queue, a retry and a fallback hop, under the caller’s trace', async () => {
    primary.enqueue(serverError(), serverError());
    const response = await chat({ model: 'chain', max_tokens: 50, temperature: 0.2 }, { traceparent: callerTraceparent });
    expect(response.status).toBe(200);
    await settled(callerTraceId, 'process chat-backup');
    await settled(callerTraceId, 'POST /v1/chat/completions');

    const server = spans.one(callerTraceId, 'POST /v1/chat/completions');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/chat/completions', 'http.response.status_code': 200 });

    const send = spans.one(callerTraceId, 'send chat-primary');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.parentSpanContext?.spanId).toBe(server.spanContext().spanId);

    // BullMQ ran the job twice: each run its own span under the enqueue, each with its own provider call.
    const runs = spans.childrenOf(send).filter((span) => span.name === 'process chat-primary');
    expect(runs.map((run) => [run.kind, run.attributes['gateway.job.attempt'], run.attributes['gateway.outcome']])).toEqual([
      [SpanKind.CONSUMER, 1, 'retry'],
      [SpanKind.CONSUMER, 2, 'fallback'],
    ]);
    const failedCalls = runs.flatMap(clientCallsOf);
    expect(failedCalls.map((call) => [call.name, call.attributes['gateway.attempt'], call.attributes['gateway.route.index'], call.status.code])).toEqual([
      ['chat gpt-4o-mini', 1, 0, SpanStatusCode.ERROR],
      ['chat gpt-4o-mini', 2, 0, SpanStatusCode.ERROR],
    ]);
    expect(failedCalls[0]!.attributes).toMatchObject({ 'http.response.status_code': 503, 'gateway.retryable': true, 'gateway.provider': 'primary' });
    expect(primary.requests.map((request) => request.headers.traceparent)).toEqual(failedCalls.map(traceparentOf));

    // The hop: queued from the second run's span, run on the backup's queue, its call the answer.
    const hop = spans.one(callerTraceId, 'send chat-backup');
    expect(hop.parentSpanContext?.spanId).toBe(runs[1]!.spanContext().spanId);
    const backupRun = spans.one(callerTraceId, 'process chat-backup');
    expect(backupRun.parentSpanContext?.spanId).toBe(hop.spanContext().spanId);
    expect(backupRun.attributes).toMatchObject({ 'gateway.route.index': 1, 'gateway.outcome': 'completed' });
    const [answered] = clientCallsOf(backupRun);
    expect(answered?.name).toBe('chat gpt-4o-mini');
    expect(answered?.status.code).toBe(SpanStatusCode.UNSET);
    expect(answered?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': response.body.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': response.body.usage.completion_tokens,
      'server.address': '127.0.0.1',
      'server.port': backupPort,
      'gateway.attempt': 1,
      'gateway.route.index': 1,
      'gateway.provider': 'backup',
    });
    // The provider's own trace nests under the gateway's call span.
    expect(backup.requests[0]?.headers.traceparent).toBe(traceparentOf(answered!));
    expect(spans.childrenOf(backupRun).map((span) => span.name)).toEqual(['chat gpt-4o-mini', 'record', 'reply']);
  });

  it('starts a trace of its own when the caller sends none, and logs its id as trace_id', async () => {
    const response = await chat({ model: 'mock-echo' });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const span = await found(() => spans.all().find((candidate) => candidate.kind === SpanKind.SERVER && candidate.attributes['gateway.request_id'] === requestId));
    expect(span.parentSpanContext).toBeUndefined();
    const traceId = span.spanContext().traceId;
    await settled(traceId, 'process chat-mock');
    expect(spans.one(traceId, 'chat echo').attributes).toMatchObject({ 'gen_ai.provider.name': 'mock', 'gen_ai.request.stream': false });
    // Nothing to echo: the caller sent no traceparent.
    expect(response.headers.get('traceparent')).toBeNull();
    const logged = await found(() => logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'request settled' && line.requestId === requestId));
    expect(logged.trace_id).toBe(traceId);
  });

  it('ends a streamed call’s span when its stream ends, with the stream’s usage', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', traceparent: `00-${'1'.repeat(32)}-${callerSpanId}-01` },
      body: JSON.stringify({ model: 'mock-echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me please' }] }),
    });
    const text = await response.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    const traceId = '1'.repeat(32);
    await settled(traceId, 'process chat-mock');
    await settled(traceId, 'POST /v1/chat/completions');
    const call = spans.one(traceId, 'chat echo');
    expect(call.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.usage.output_tokens': expect.any(Number) });
    const firstChunkSeconds = Number(call.attributes['gen_ai.response.time_to_first_chunk']);
    expect(firstChunkSeconds).toBeGreaterThanOrEqual(0);
    expect(firstChunkSeconds * 1e9).toBeLessThanOrEqual(call.duration[0] * 1e9 + call.duration[1]);
    expect(spans.one(traceId, 'POST /v1/chat/completions').attributes['http.response.status_code']).toBe(200);
  });

  it('names an embeddings call `embeddings {model}`', async () => {
    const traceId = '2'.repeat(32);
    const response = await postJson(`${harness.url}/v1/embeddings`, { model: 'mock-embed', input: ['one', 'two'] }, key, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(response.status).toBe(200);
    await settled(traceId, 'process chat-mock');
    expect(spans.one(traceId, 'embeddings embed').attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': response.body.usage.prompt_tokens });
  });

  it('carries the trace of an async job to the worker that runs it', async () => {
    const traceId = '3'.repeat(32);
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'later' }] }, key, {
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(accepted.status).toBe(202);
    await settled(traceId, 'process chat-mock');
    const send = spans.one(traceId, 'send chat-mock');
    expect(send.parentSpanContext?.spanId).toBe(spans.one(traceId, 'POST /v1/async/chat/completions').spanContext().spanId);
    const run = spans.one(traceId, 'process chat-mock');
    expect(run.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(clientCallsOf(run).map((span) => span.name)).toEqual(['chat echo']);
  });

  it('traces a batch by chunk, and only a sample of its lines plus the failed ones', async () => {
    const total = 300;
    const failing = new Set([58, 150]);
    const requests = Array.from({ length: total }, (_unused, index) => ({
      custom_id: `line-${index + 1}`,
      body: { model: 'mock-echo', messages: [{ role: 'user', content: failing.has(index + 1) ? 'mock:error:400' : `line ${index + 1}` }] },
    }));
    const traceId = '4'.repeat(32);
    const created = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/chat/completions', completion_window: '24h' }, key, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(created.status).toBe(200);
    await expect.poll(async () => (await postJsonGet(`${harness.url}/v1/batches/${created.body.id}`, key)).status, { timeout: 20_000, interval: 100 }).toBe('completed');
    await settled(traceId, 'process batch-mock', 3);

    const start = spans.one(traceId, 'process batch-control', { 'gateway.batch.step': 'start' });
    expect(start.parentSpanContext?.spanId).toBe(spans.one(traceId, 'send batch-control').spanContext().spanId);
    const chunks = spans.inTrace(traceId).filter((span) => span.name === 'process batch-mock');
    expect(chunks).toHaveLength(3);
    expect(chunks.every((chunk) => chunk.parentSpanContext?.spanId === start.spanContext().spanId && chunk.kind === SpanKind.CONSUMER)).toBe(true);

    const lineSpans = spans.inTrace(traceId).filter((span) => span.name === 'batch line');
    const sampled = Array.from({ length: total }, (_unused, index) => index + 1).filter((line) => batchLineSampled(line, 0.01));
    expect(sampled.length).toBeLessThan(total / 10);
    const expected = new Set([...sampled, ...failing]);
    expect(lineSpans.map((span) => span.attributes['gateway.batch.line']).sort((a, b) => Number(a) - Number(b))).toEqual([...expected].sort((a, b) => a - b));
    for (const span of lineSpans) {
      const line = Number(span.attributes['gateway.batch.line']);
      expect(span.status.code).toBe(failing.has(line) ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
      // A sampled line's calls are its children; a failed line traced after the fact lists its attempts as events.
      if (sampled.includes(line)) expect(clientCallsOf(span).map((call) => call.name)).toEqual(['chat echo']);
      else expect(span.events.map((event) => [event.name, event.attributes?.['gateway.outcome']])).toEqual([['gateway.attempt', 'failed']]);
    }
    expect(spans.inTrace(traceId).length).toBeLessThan(40);
  });
});

/** What `find` returns once it returns something (within 5 s). */
async function found<T>(find: () => T | undefined): Promise<T> {
  await expect.poll(find, { timeout: 5000, interval: 20 }).toBeDefined();
  return find()!;
}

async function postJsonGet(url: string, key: string): Promise<Record<string, any>> {
  return (await (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, any>;
}
