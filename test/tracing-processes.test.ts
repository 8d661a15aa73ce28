import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopChild } from '../bench/processes.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.ts';
import { postJson, testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';

/** A span as OTLP/JSON carries it, with its process's resource attributes beside it. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values: OtlpValue[] } };
type OtlpAttribute = { key: string; value: OtlpValue };

function valueOf(value: OtlpValue): unknown {
  if (value.arrayValue) return value.arrayValue.values.map(valueOf);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

const attributesOf = (list: OtlpAttribute[] | undefined) => Object.fromEntries((list ?? []).map((attribute) => [attribute.key, valueOf(attribute.value)]));

/** A collector's OTLP/HTTP traces endpoint, in JSON (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] }; scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'attributes' | 'resource'> & { attributes: OtlpAttribute[] }> }> }>;
          };
          for (const resourceSpans of body.resourceSpans) {
            const resource = attributesOf(resourceSpans.resource.attributes);
            for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) this.spans.push({ ...span, attributes: attributesOf(span.attributes), resource });
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const config = { providers: { mock: { type: 'mock', latencyMs: 0 } }, models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } } };
const echo = (content: string) => ({ model: 'mock-echo', messages: [{ role: 'user', content }] });
/** Spans go out a tenth of a second after they end, so the test need not wait the SDK's default 5 s. */
const fastExport = { OTEL_BSP_SCHEDULE_DELAY: '100' };

/**
 * Real gateway processes exporting over OTLP/HTTP, configured by the standard `OTEL_*` variables only:
 * an API process and a worker process put their spans of one request into one trace, and a collector
 * that does not answer costs one warning in the log and nothing else.
 */
describe('traces across gateway processes', () => {
  const receiver = new OtlpReceiver();
  const processes: GatewayProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  let directory: string;
  let endpoint: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-'));
    endpoint = await receiver.start();
  });
  afterAll(async () => {
    for (const process of processes) await stopChild(process.child);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await receiver.stop();
    await rm(directory, { recursive: true, force: true });
  });

  async function scratch(label: string): Promise<{ database: TestDatabase; prefix: string }> {
    const database = await createTestDatabase(label);
    const prefix = uniqueName(label);
    cleanups.push(
      () => database.drop(),
      () => deleteRedisPrefix(prefix),
    );
    return { database, prefix };
  }

  async function start(name: string, role: 'api' | 'worker' | 'all', shared: { database: TestDatabase; prefix: string }, environment: Record<string, string>) {
    const started = await startGatewayProcess({ name, role, config, directory, databaseUrl: shared.database.url, redisUrl: testRedisUrl(), prefix: shared.prefix, environment });
    processes.push(started);
    return started;
  }

  async function createKey(url: string): Promise<string> {
    const created = await postJson(`${url}/admin/keys`, { name: 'traced', project: 'traced' }, testAdminKey);
    expect(created.status).toBe(201);
    return created.body.key as string;
  }

  it('puts one sync call into one trace, its spans from the API process and the worker process, parent to child', async () => {
    const environment = { ...fastExport, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'gateway-under-test' };
    const shared = await scratch('otel_split');
    const api = await start('otel-api', 'api', shared, environment);
    const worker = await start('otel-worker', 'worker', shared, environment);
    const key = await createKey(api.url);

    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const callerSpanId = '1122334455667788';
    const response = await postJson(`${api.url}/v1/chat/completions`, echo('across processes'), key, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(response.status).toBe(200);

    const names = ['POST /v1/chat/completions', 'send chat-mock', 'process chat-mock', 'chat echo', 'record', 'reply'];
    await expect.poll(() => names.filter((name) => receiver.spans.some((span) => span.traceId === traceId && span.name === name)), { timeout: 15_000, interval: 100 }).toEqual(names);
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const only = (name: string) => {
      const found = spans.filter((span) => span.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const server = only('POST /v1/chat/completions');
    const send = only('send chat-mock');
    const run = only('process chat-mock');
    const call = only('chat echo');
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(send.parentSpanId).toBe(server.spanId);
    // The link between the processes: the worker's run is the child of the API's enqueue, through the job's data.
    expect(run.parentSpanId).toBe(send.spanId);
    expect(call.parentSpanId).toBe(run.spanId);
    expect(only('record').parentSpanId).toBe(run.spanId);
    expect(only('reply').parentSpanId).toBe(run.spanId);
    expect(call.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'mock', 'gen_ai.request.model': 'echo' });

    for (const span of [server, send]) expect(span.resource).toMatchObject({ 'gateway.role': 'api', 'process.pid': api.child.pid, 'service.name': 'gateway-under-test' });
    for (const span of [run, call]) expect(span.resource).toMatchObject({ 'gateway.role': 'worker', 'process.pid': worker.child.pid, 'service.name': 'gateway-under-test' });
    expect(server.resource['service.instance.id']).toEqual(expect.any(String));
    expect(run.resource['service.instance.id']).not.toBe(server.resource['service.instance.id']);
  });

  it('exports the spans still buffered when the process is stopped', async () => {
    const shared = await scratch('otel_flush');
    // Nothing would be exported for ten minutes: only the shutdown sends these spans.
    const gateway = await start('otel-flush', 'all', shared, { OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    const key = await createKey(gateway.url);
    const traceId = 'f'.repeat(31) + '1';
    expect((await postJson(`${gateway.url}/v1/chat/completions`, echo('flush me'), key, { traceparent: `00-${traceId}-1122334455667788-01` })).status).toBe(200);
    await sleep(300);
    expect(receiver.spans.filter((span) => span.traceId === traceId)).toEqual([]);
    expect(await stopChild(gateway.child)).toBe(0);
    expect(
      receiver.spans
        .filter((span) => span.traceId === traceId)
        .map((span) => span.name)
        .sort(),
    ).toEqual(['POST /v1/chat/completions', 'chat echo', 'process chat-mock', 'record', 'reply', 'send chat-mock']);
  });

  it('drops spans for a collector that does not answer, with one warning, and answers every request', async () => {
    const closedPort = await freePort();
    const shared = await scratch('otel_down');
    const gateway = await start('otel-down', 'all', shared, { ...fastExport, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`, OTEL_EXPORTER_OTLP_TIMEOUT: '300', LOG_LEVEL: 'debug' });
    const output: string[] = [];
    gateway.child.process.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    gateway.child.process.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const key = await createKey(gateway.url);

    // Requests spread out so that several exports are tried and fail.
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      statuses.push((await postJson(`${gateway.url}/v1/chat/completions`, echo(`request ${index}`), key)).status);
      await sleep(250);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const lines = () =>
      output
        .join('')
        .split('\n')
        .filter((line) => line.length > 0);
    // Every line is pino's JSON (the SDK printed nothing of its own); the failed exports after the first are debug lines.
    const parsed = () => lines().map((line) => JSON.parse(line) as { level: number; msg: string; component?: string });
    await expect.poll(() => parsed().filter((line) => line.msg.startsWith('trace export failed again')).length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    const warnings = parsed().filter((line) => line.level >= 40);
    expect(warnings.filter((line) => /trace|OpenTelemetry/i.test(line.msg))).toEqual([expect.objectContaining({ component: 'tracing', msg: expect.stringContaining('cannot export traces') })]);
  });
});
