/**
 * What tracing costs a sync call in CPU, apart from the rest of the gateway: the six spans of one call
 * (HTTP request, enqueue, job run, provider call with its GenAI attributes, record, reply), made through
 * the gateway's tracing API and exported by the real SDK — batch span processor, OTLP exporter — to a
 * sink in a child process (whose CPU is not counted). Tracing off is the same calls on `noTracing`.
 * CPU time of this process only, so the figure holds on a busy machine better than a throughput would.
 *
 *   npm run bench:tracing                      20,000 calls per variant
 *   BENCH_TRACING_CALLS=50000 npm run bench:tracing
 */
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createOtelTracing } from '../src/observability/otel-tracing.ts';
import { noTracing, type ProviderCallStart, type Tracing } from '../src/observability/tracing.ts';
import { bindRequest, type ProviderResult } from '../src/operations/registry.ts';
import { freePort } from './processes.ts';

const calls = Number(process.env.BENCH_TRACING_CALLS ?? 20_000);
const call: Omit<ProviderCallStart, 'attempt' | 'hop' | 'limitWaitMs'> = {
  client: {
    name: 'openai',
    type: 'openai',
    server: { address: 'api.openai.com', port: 443 },
    chat: async () => Promise.reject(new Error('not called')),
    chatStream: async () => Promise.reject(new Error('not called')),
    close: async () => {},
  },
  route: { provider: 'openai', upstreamModel: 'gpt-4o-mini', pricing: { inputPerMillion: '0.15', outputPerMillion: '0.6' } } as ProviderCallStart['route'],
  request: bindRequest({ operation: 'chat', request: { model: 'gpt-4o-mini', max_tokens: 50, temperature: 0.2, messages: [{ role: 'user', content: 'hello' }] } }),
};
const result = {
  response: { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] },
  usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12 },
} as ProviderResult;

/** One sync call's spans, in the order and shape the API and the worker make them. */
async function oneCall(tracing: Tracing, index: number): Promise<void> {
  const requestId = `req_${index}`;
  const server = tracing.startRequest({ method: 'POST', path: '/v1/chat/completions', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', requestId });
  const send = server.startEnqueue({ queue: 'chat-openai', jobId: requestId });
  send.end();
  const job = tracing.startJob({ queue: 'chat-openai', jobId: requestId, traceparent: send.traceparent, attempt: 1, attributes: { 'gateway.request_id': requestId, 'gateway.model': 'gpt-4o-mini' } });
  job.startProviderCall({ ...call, attempt: 1, hop: 0, limitWaitMs: 0.2 }).end({ ok: true, result });
  await job.step('record', async () => undefined, { 'db.system.name': 'postgresql', 'gateway.status': 'completed' });
  await job.step('reply', async () => undefined, { 'messaging.destination.name': 'gw:replies' });
  job.end({ attributes: { 'gateway.outcome': 'completed' } });
  server.endResponse({ statusCode: 200, route: '/v1/chat/completions' });
}

/** CPU µs per call over `calls` calls, yielding every 50 calls so exports go out as they would between requests. */
async function measure(tracing: Tracing, flush: () => Promise<void>): Promise<number> {
  const run = async (count: number) => {
    for (let index = 0; index < count; index += 1) {
      await oneCall(tracing, index);
      if (index % 50 === 0) await sleep(1);
    }
    await flush();
  };
  await run(2000);
  const before = process.cpuUsage();
  await run(calls);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

const port = await freePort();
const sink = fork(new URL('./otlp-sink.ts', import.meta.url).pathname, [], {
  env: { ...process.env, SINK_PORT: String(port) },
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
try {
  await new Promise<void>((resolve) => sink.once('message', () => resolve()));
  const url = `http://127.0.0.1:${port}/v1/traces`;
  const rows: Array<[string, number]> = [['off (no SDK)', await measure(noTracing, async () => undefined)]];
  for (const [label, exporter] of [
    ['on, http/protobuf', new ProtobufTraceExporter({ url })],
    ['on, http/json', new JsonTraceExporter({ url })],
  ] as const) {
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracing = createOtelTracing({ tracer: provider.getTracer('bench'), batchLines: { batchLineRatio: 0.01, failedBatchLines: true }, shutdown: () => provider.shutdown() });
    rows.push([label, await measure(tracing, () => provider.forceFlush())]);
    await provider.shutdown();
  }
  const stats = await new Promise<{ exports: number; bytes: number }>((resolve) => {
    sink.once('message', (message) => resolve(message as { exports: number; bytes: number }));
    sink.send('stats');
  });
  console.log(`\nTracing CPU per sync call (6 spans), ${calls} calls each, this process only:\n`);
  for (const [label, micros] of rows) console.log(`  ${label.padEnd(20)} ${micros.toFixed(1).padStart(8)} µs`);
  console.log(`\nthe sink received ${stats.exports} exports, ${(stats.bytes / 1e6).toFixed(1)} MB`);
  // Spans that never left would make the figures the cost of dropping them.
  if (stats.exports === 0) {
    console.error('bench:tracing: the sink received no export; the figures above do not include exporting');
    process.exitCode = 1;
  }
} finally {
  sink.kill('SIGTERM');
}
