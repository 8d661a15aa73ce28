import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchResultWriter } from '../src/records/batch-result-writer.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

/** A port nothing listens on: the fallback model's first route is refused there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

/** Polls until `read` gives `wanted` (expect.poll is for tests, this runs in beforeAll). */
async function waitUntil<Value>(read: () => Promise<Value>, wanted: Value, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await read()) !== wanted) {
    if (Date.now() > deadline) throw new Error(`still not ${String(wanted)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the test made, as the client saw it: the expected usage is summed from these. */
interface Made {
  project: string;
  keyId: string;
  model: string;
  batch: boolean;
  error: boolean;
  cacheHit: boolean;
  input: number;
  output: number;
  cost: string;
  costSaved: string;
  requestId: string;
  /** The client API it came in through. @defaultValue 'chat' */
  format?: string;
  /** Lines served by a provider's batch API: their batch, and what they saved against the sync price. */
  nativeBatchId?: string;
  batchSaved?: string;
}

const pricing = { inputPerMillion: 1000, outputPerMillion: 2000 };
const priceOf = (input: number, output: number) => new Big(input).times('0.001').plus(new Big(output).times('0.002')).toString();

function expectedOf(made: Made[]) {
  return {
    requests: made.length,
    errors: made.filter((one) => one.error).length,
    cache_hits: made.filter((one) => one.cacheHit).length,
    input_tokens: made.reduce((sum, one) => sum + one.input, 0),
    cached_input_tokens: 0,
    output_tokens: made.reduce((sum, one) => sum + one.output, 0),
    cost: made.reduce((sum, one) => sum.plus(one.cost), new Big(0)).toString(),
    cost_saved: made.reduce((sum, one) => sum.plus(one.costSaved), new Big(0)).toString(),
    batch_saved: made.reduce((sum, one) => sum.plus(one.batchSaved ?? '0'), new Big(0)).toString(),
  };
}

/** A usage row's counters without the latency estimate, cost as a canonical decimal. */
const countersOf = (row: Record<string, any>) => ({
  requests: row.requests,
  errors: row.errors,
  cache_hits: row.cache_hits,
  input_tokens: row.input_tokens,
  cached_input_tokens: row.cached_input_tokens,
  output_tokens: row.output_tokens,
  cost: new Big(row.cost).toString(),
  cost_saved: new Big(row.cost_saved).toString(),
  batch_saved: new Big(row.batch_saved).toString(),
});

describe('usage API and request logs, after a real run', () => {
  let harness: TestGateway;
  const made: Made[] = [];
  const keys: Record<string, { id: string; key: string; project_id: string }> = {};
  let fallbackId = '';
  let streamId = '';
  let messagesId = '';
  let batchId = '';
  let from = '';
  let to = '';

  const get = async (path: string, key: string) => {
    const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const usage = (query: string, key = keys['a1']!.key) => get(`/v1/usage?from=${from}&to=${to}${query}`, key);
  const adminUsage = (query: string) => get(`/admin/usage?from=${from}&to=${to}${query}`, testAdminKey);

  async function chat(name: string, model: string, content: string, extra: Record<string, unknown> = {}): Promise<Made> {
    const key = keys[name]!;
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content }], ...extra }, key.key);
    const requestId = response.headers.get('x-request-id') ?? '';
    const error = response.status !== 200;
    const cacheHit = response.headers.get('x-gateway-cache') === 'HIT';
    const input = error ? 0 : (response.body.usage.prompt_tokens as number);
    const output = error ? 0 : (response.body.usage.completion_tokens as number);
    const cost = error ? '0' : (response.headers.get('x-gateway-cost') ?? 'missing');
    if (!error) expect(new Big(cost).eq(cacheHit ? 0 : priceOf(input, output))).toBe(true);
    const one = { project: key.project_id, keyId: key.id, model, batch: false, error, cacheHit, input, output, cost, costSaved: cacheHit ? priceOf(input, output) : '0', requestId };
    made.push(one);
    return one;
  }

  /**
   * A call in another client format: Anthropic Messages, OpenAI Responses or embeddings. Its tokens are
   * read from the answer (`input_tokens`/`output_tokens`, or `prompt_tokens` for embeddings), its cost from the header.
   */
  async function callIn(format: 'messages' | 'responses' | 'embeddings', name: string, content: string): Promise<Made> {
    const key = keys[name]!;
    const model = format === 'embeddings' ? 'usage-embed' : 'usage-echo';
    const body =
      format === 'messages' ? { model, max_tokens: 100, messages: [{ role: 'user', content }] } : format === 'responses' ? { model, input: content, store: false } : { model, input: content };
    const response = await postJson(`${harness.url}/v1/${format}`, body, key.key);
    expect(response.status).toBe(200);
    const usageOf = response.body.usage as Record<string, number>;
    const input = format === 'embeddings' ? usageOf['prompt_tokens']! : usageOf['input_tokens']!;
    const output = format === 'embeddings' ? 0 : usageOf['output_tokens']!;
    const cost = response.headers.get('x-gateway-cost') ?? 'missing';
    expect(new Big(cost).eq(priceOf(input, output))).toBe(true);
    const one = {
      project: key.project_id,
      keyId: key.id,
      model,
      batch: false,
      error: false,
      cacheHit: false,
      input,
      output,
      cost,
      costSaved: '0',
      requestId: response.headers.get('x-request-id') ?? '',
      format,
    };
    made.push(one);
    return one;
  }

  async function stream(name: string, content: string): Promise<void> {
    const key = keys[name]!;
    const body = { model: 'usage-echo', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } };
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const chunks = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, any>);
    const { prompt_tokens: input, completion_tokens: output } = chunks.at(-1)!.usage as { prompt_tokens: number; completion_tokens: number };
    streamId = response.headers.get('x-request-id') ?? '';
    made.push({
      project: key.project_id,
      keyId: key.id,
      model: 'usage-echo',
      batch: false,
      error: false,
      cacheHit: false,
      input,
      output,
      cost: priceOf(input, output),
      costSaved: '0',
      requestId: streamId,
    });
  }

  async function asyncJob(name: string, content: string): Promise<void> {
    const key = keys[name]!;
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'usage-classifier', messages: [{ role: 'user', content }] }, key.key);
    expect(accepted.status).toBe(202);
    let job: Record<string, any> = {};
    await waitUntil(async () => (job = (await get(`/v1/async/chat/completions/${accepted.body.id}`, key.key)).body).status, 'completed');
    const { prompt_tokens: input, completion_tokens: output } = job.response.usage as { prompt_tokens: number; completion_tokens: number };
    made.push({
      project: key.project_id,
      keyId: key.id,
      model: 'usage-classifier',
      batch: false,
      error: false,
      cacheHit: false,
      input,
      output,
      cost: priceOf(input, output),
      costSaved: '0',
      requestId: accepted.body.id,
    });
  }

  async function inlineBatch(name: string, contents: string[]): Promise<string> {
    const key = keys[name]!;
    const requests = contents.map((content, index) => ({ custom_id: `line-${index}`, body: { model: 'usage-echo', messages: [{ role: 'user', content }] } }));
    const created = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/chat/completions' }, key.key);
    expect(created.status).toBe(200);
    await waitUntil(async () => (await get(`/v1/batches/${created.body.id}`, key.key)).body.status, 'completed');
    const results = (await get(`/v1/batches/${created.body.id}/results?limit=100`, key.key)).body.data as Array<Record<string, any>>;
    expect(results).toHaveLength(contents.length);
    for (const line of results) {
      const usageOf = line.response?.body?.usage as { prompt_tokens: number; completion_tokens: number } | undefined;
      const error = line.status !== 'completed';
      const input = error ? 0 : usageOf!.prompt_tokens;
      const output = error ? 0 : usageOf!.completion_tokens;
      made.push({
        project: key.project_id,
        keyId: key.id,
        model: 'usage-echo',
        batch: true,
        error,
        cacheHit: false,
        input,
        output,
        cost: error ? '0' : priceOf(input, output),
        costSaved: '0',
        requestId: line.id ?? line.response?.request_id,
      });
    }
    return created.body.id as string;
  }

  /** Lines a provider's batch API served, recorded as the batch writer records them: half the sync price. */
  async function nativeBatchLines(name: string, tokens: Array<[input: number, output: number]>): Promise<void> {
    const key = keys[name]!;
    const writer = new BatchResultWriter(harness.sql, async () => {});
    const nativeBatchId = 'batch_native_usage';
    await Promise.all(
      tokens.map(([input, output], lineNumber) => {
        const syncPrice = new Big(priceOf(input, output));
        const cost = syncPrice.div(2).toString();
        const batchSaved = syncPrice.minus(cost).toString();
        const requestId = `batch_req_native_usage_${lineNumber}`;
        made.push({
          project: key.project_id,
          keyId: key.id,
          model: 'usage-echo',
          batch: true,
          error: false,
          cacheHit: false,
          input,
          output,
          cost,
          costSaved: '0',
          requestId,
          nativeBatchId,
          batchSaved,
        });
        const now = new Date();
        return writer.record({
          kind: 'batch',
          format: 'chat',
          requestId,
          batchId: nativeBatchId,
          lineNumber,
          customId: `native-${lineNumber}`,
          projectId: key.project_id,
          apiKeyId: key.id,
          model: 'usage-echo',
          provider: 'mock',
          upstreamModel: 'echo',
          attempts: 1,
          status: 'completed',
          statusCode: 200,
          acceptedAt: new Date(now.getTime() - 5000),
          startedAt: new Date(now.getTime() - 4000),
          completedAt: now,
          providerBatchId: 'provider_batch_1',
          usage: { promptTokens: input, completionTokens: output, totalTokens: input + output, cost, batchSaved },
        });
      }),
    );
  }

  beforeAll(async () => {
    const port = await closedPort();
    harness = await startTestGateway({
      config: {
        cache: { enabled: true, ttlSeconds: 600 },
        breakers: { enabled: false },
        providers: {
          mock: { type: 'mock', latencyMs: 2, maxAttempts: 1 },
          closed: { type: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, maxAttempts: 1 },
        },
        models: {
          'usage-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing },
          'usage-classifier': { routes: [{ provider: 'mock', model: 'classifier' }], pricing },
          'usage-embed': { routes: [{ provider: 'mock', model: 'embed' }], pricing },
          'usage-fallback': {
            routes: [
              { provider: 'closed', model: 'gpt-4o-mini' },
              { provider: 'mock', model: 'echo' },
            ],
            pricing,
          },
        },
      },
    });
    keys['a1'] = await harness.createKey('usage-a');
    keys['a2'] = await harness.createKey('usage-a');
    keys['b'] = await harness.createKey('usage-b');
    from = String(Math.floor(Date.now() / 1000) - 3600);

    for (let index = 0; index < 3; index += 1) await chat('a1', 'usage-echo', `hello number ${index} from a1`);
    await chat('a2', 'usage-echo', 'a longer question from the second key of project a');
    await chat('a1', 'usage-echo', 'mock:error:500 please fail');
    await chat('a2', 'usage-classifier', 'mock:error:503 fail too');
    await stream('a1', 'stream me some words');
    const miss = await chat('a1', 'usage-echo', 'cache me once', { temperature: 0 });
    const hit = await chat('a1', 'usage-echo', 'cache me once', { temperature: 0 });
    expect([miss.cacheHit, hit.cacheHit]).toEqual([false, true]);
    await asyncJob('a2', 'an async question');
    fallbackId = (await chat('a1', 'usage-fallback', 'fall back to the mock')).requestId;
    batchId = await inlineBatch('a1', ['batch line one', 'mock:error:500 batch line two', 'batch line three, longer than the others']);
    await nativeBatchLines('a1', [
      [120, 30],
      [7, 3],
    ]);
    messagesId = (await callIn('messages', 'a1', 'a question in the Messages format')).requestId;
    await callIn('responses', 'a1', 'a question in the Responses format');
    await callIn('responses', 'a2', 'another Responses question, from the second key');
    await callIn('embeddings', 'a1', 'embed these words');
    await chat('b', 'usage-echo', 'project b asks');
    await chat('b', 'usage-classifier', 'project b classifies');
    to = new Date(Date.now() + 3_600_000).toISOString();
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  const ofProject = (name: string) => made.filter((one) => one.project === keys[name]!.project_id);

  it('totals exactly what was made: requests, errors, cache hits, tokens, cost and cost saved', async () => {
    const projectA = ofProject('a1');
    expect(projectA.filter((one) => one.error)).toHaveLength(3);
    const expected = expectedOf(projectA);
    await expect.poll(async () => countersOf((await usage('')).body.total), { timeout: 5000 }).toEqual(expected);
    const { body } = await usage('');
    expect(body).toMatchObject({ object: 'list', group_by: [], data: [body.total] });
    expect(body.from).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/);
    expect(Date.parse(body.to)).toBeGreaterThanOrEqual(Date.parse(to));
    const { p50, p95, p99 } = body.total.latency_ms;
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
  });

  const groupings = [['model'], ['key'], ['provider'], ['served_by'], ['format'], ['batch'], ['model,key'], ['batch,model,provider'], ['batch,served_by,provider'], ['format,key,model']];
  it.each(groupings)('groups by %s, each group summing exactly its requests', async (groupBy) => {
    const { status, body } = await usage(`&group_by=${groupBy}`);
    expect(status).toBe(200);
    const order = ['key', 'model', 'provider', 'served_by', 'format', 'batch'];
    expect(body.group_by).toEqual(groupBy.split(',').sort((x, y) => order.indexOf(x) - order.indexOf(y)));
    const keyOf = (fields: { model?: string; api_key_id?: string; provider?: string | null; served_by?: string; format?: string; batch_id?: string | null }) => JSON.stringify(fields);
    const expected = new Map<string, Made[]>();
    for (const one of ofProject('a1')) {
      const fields = {
        ...(groupBy.includes('key') ? { api_key_id: one.keyId } : {}),
        ...(groupBy.includes('model') ? { model: one.model } : {}),
        ...(groupBy.includes('provider') ? { provider: 'mock' } : {}),
        ...(groupBy.includes('served_by') ? { served_by: one.nativeBatchId ? 'batch_api' : 'gateway' } : {}),
        ...(groupBy.includes('format') ? { format: one.format ?? 'chat' } : {}),
        ...(groupBy.includes('batch') ? { batch_id: one.batch ? (one.nativeBatchId ?? batchId) : null } : {}),
      };
      expected.set(keyOf(fields), [...(expected.get(keyOf(fields)) ?? []), one]);
    }
    const actual = new Map(
      body.data.map((row: Record<string, any>) => [
        keyOf({ api_key_id: row.api_key_id, model: row.model, provider: row.provider, served_by: row.served_by, format: row.format, batch_id: row.batch_id }),
        countersOf(row),
      ]),
    );
    expect(actual).toEqual(new Map([...expected].map(([key, list]) => [key, expectedOf(list)])));
    const costs = body.data.map((row: Record<string, any>) => Number(row.cost));
    expect(costs).toEqual([...costs].sort((x, y) => y - x));
    expect(countersOf(body.total)).toEqual(expectedOf(ofProject('a1')));
  });

  it("reports lines served by a provider's batch API under served_by=batch_api, with their cost and what they saved", async () => {
    const { body } = await usage('&group_by=served_by');
    const native = ofProject('a1').filter((one) => one.nativeBatchId);
    expect(native).toHaveLength(2);
    const byServer = new Map<string, ReturnType<typeof countersOf>>(body.data.map((row: Record<string, any>) => [row.served_by, countersOf(row)]));
    expect(byServer.get('batch_api')).toEqual(expectedOf(native));
    expect(byServer.get('batch_api')?.batch_saved).toBe(byServer.get('batch_api')?.cost);
    expect(byServer.get('gateway')).toEqual(expectedOf(ofProject('a1').filter((one) => !one.nativeBatchId)));
    expect(byServer.get('gateway')?.batch_saved).toBe('0');
    expect(new Big(body.total.batch_saved).toString()).toBe(expectedOf(native).batch_saved);
  });

  it('reports each client format (chat completions, Messages, Responses, embeddings) under group_by=format, as the request rows record it', async () => {
    const { body } = await usage('&group_by=format');
    const byFormat = new Map<string, ReturnType<typeof countersOf>>(body.data.map((row: Record<string, any>) => [row.format, countersOf(row)]));
    expect([...byFormat.keys()].sort()).toEqual(['chat', 'embeddings', 'messages', 'responses']);
    for (const format of ['chat', 'embeddings', 'messages', 'responses']) {
      expect(byFormat.get(format), format).toEqual(expectedOf(ofProject('a1').filter((one) => (one.format ?? 'chat') === format)));
    }
    expect(byFormat.get('responses')?.requests).toBe(2);
    const { rows } = await harness.sql.query<{ format: string }>('SELECT format FROM requests WHERE id = $1', [messagesId]);
    expect(rows).toEqual([{ format: 'messages' }]);
    expect((await get(`/v1/requests/${messagesId}`, keys['a1']!.key)).body).toMatchObject({ operation: 'chat', format: 'messages' });
  });

  it('buckets by day and hour, ascending, adding up to the total', async () => {
    for (const [groupBy, field, pattern] of [
      ['day', 'day', /^\d{4}-\d{2}-\d{2}$/],
      ['hour', 'hour', /^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/],
      ['model,hour', 'hour', /:00:00\.000Z$/],
    ] as const) {
      const { body } = await usage(`&group_by=${groupBy}`);
      const buckets = body.data.map((row: Record<string, any>) => row[field] as string);
      expect(buckets.every((bucket: string) => pattern.test(bucket))).toBe(true);
      expect(buckets).toEqual([...buckets].sort());
      expect(body.data.reduce((sum: number, row: Record<string, any>) => sum + row.requests, 0)).toBe(ofProject('a1').length);
      expect(countersOf(body.total)).toEqual(expectedOf(ofProject('a1')));
    }
  });

  it('keeps each project to its own usage', async () => {
    const { body } = await usage('&group_by=project', keys['b']!.key);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ project_id: keys['b']!.project_id, project: 'usage-b' });
    expect(countersOf(body.total)).toEqual(expectedOf(ofProject('b')));
    expect((await usage('&project=usage-a', keys['a2']!.key)).status).toBe(200);
    const other = await usage('&project=usage-b', keys['a1']!.key);
    expect(other.status).toBe(404);
    expect(other.body.error).toMatchObject({ code: 'not_found', param: 'project' });
    expect((await usage(`&project=${keys['b']!.project_id}`, keys['a1']!.key)).status).toBe(404);
  });

  it('answers a project without traffic with zeros and no latency, not an error', async () => {
    const { key } = await harness.createKey('usage-empty');
    const zero = {
      requests: 0,
      errors: 0,
      cache_hits: 0,
      input_tokens: 0,
      cached_input_tokens: 0,
      output_tokens: 0,
      cost: '0',
      cost_saved: '0',
      batch_saved: '0',
      latency_ms: { p50: null, p95: null, p99: null },
    };
    const total = await usage('', key);
    expect(total.body).toMatchObject({ data: [zero], total: zero });
    expect((await usage('&group_by=model,day', key)).body).toMatchObject({ group_by: ['model', 'day'], data: [], total: zero });
  });

  it('answers the admin across projects, or for one named by name or id', async () => {
    const all = await adminUsage('&group_by=project');
    expect(all.status).toBe(200);
    expect(new Map(all.body.data.map((row: Record<string, any>) => [row.project, countersOf(row)]))).toEqual(
      new Map([
        ['usage-a', expectedOf(ofProject('a1'))],
        ['usage-b', expectedOf(ofProject('b'))],
      ]),
    );
    expect(countersOf(all.body.total)).toEqual(expectedOf(made));
    expect(countersOf((await adminUsage('&project=usage-b')).body.total)).toEqual(expectedOf(ofProject('b')));
    expect(countersOf((await adminUsage(`&project=${keys['a1']!.project_id}&group_by=key,model,provider,served_by,format,batch,day,hour`)).body.total)).toEqual(expectedOf(ofProject('a1')));
    expect((await adminUsage('&project=nobody')).body.error).toMatchObject({ code: 'not_found', param: 'project' });
    expect((await get('/admin/usage', keys['a1']!.key)).status).toBe(401);
  });

  it.each([
    ['group_by=region', 'group_by'],
    ['group_by=model,,weekday', 'group_by'],
    ['from=yesterday', 'from'],
    ['to=2024-13-40', 'to'],
    ['from=2024-06-02T00:00:00Z&to=2024-06-01T00:00:00Z', 'from'],
    ['from=1717200000&to=1717200000', 'from'],
  ])('refuses %s with 400 and param %s', async (query, param) => {
    const response = await get(`/v1/usage?${query}`, keys['a1']!.key);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_request_body', param });
    expect((await get(`/admin/usage?${query}`, testAdminKey)).status).toBe(400);
  });

  it('shows a request log by id: route, attempts, timings, tokens, cost, cache status', async () => {
    const fallback = await get(`/v1/requests/${fallbackId}`, keys['a1']!.key);
    expect(fallback.status).toBe(200);
    expect(fallback.body).toMatchObject({
      id: fallbackId,
      object: 'request',
      kind: 'sync',
      status: 'completed',
      status_code: 200,
      model: 'usage-fallback',
      provider: 'mock',
      upstream_model: 'echo',
      batch_id: null,
      streamed: false,
      error: null,
      warnings: [],
    });
    expect(fallback.body.route_attempts).toMatchObject([
      { provider: 'closed', model: 'gpt-4o-mini', outcome: 'failed', status: null },
      { provider: 'mock', model: 'echo', outcome: 'completed', status: 200 },
    ]);
    expect(fallback.body.route_attempts[1].latency_ms).toEqual(expect.any(Number));
    const mine = made.find((one) => one.requestId === fallbackId)!;
    expect(fallback.body.usage).toEqual({
      input_tokens: mine.input,
      cached_input_tokens: 0,
      output_tokens: mine.output,
      total_tokens: mine.input + mine.output,
      cost: new Big(mine.cost).toString(),
      cost_saved: '0',
      estimated: false,
    });
    const { timings } = fallback.body;
    expect(Date.parse(timings.created_at)).toBeLessThanOrEqual(Date.parse(timings.started_at));
    expect(Date.parse(timings.started_at)).toBeLessThanOrEqual(Date.parse(timings.completed_at));
    expect(timings.total_ms).toBe(Date.parse(timings.completed_at) - Date.parse(timings.created_at));
    expect(timings.queue_wait_ms).toBeGreaterThanOrEqual(0);

    const failed = made.find((one) => one.error && !one.batch)!;
    expect((await get(`/v1/requests/${failed.requestId}`, keys['a1']!.key)).body).toMatchObject({ status: 'failed', status_code: 502, usage: null, error: { code: 'provider_error' } }); // the code its 502 answer had
    const hit = made.find((one) => one.cacheHit)!;
    expect((await get(`/v1/requests/${hit.requestId}`, keys['a1']!.key)).body).toMatchObject({ cache_status: 'hit', usage: { cost: '0', cost_saved: hit.costSaved } });
    const line = made.find((one) => one.batch && !one.error)!;
    expect((await get(`/v1/requests/${line.requestId}`, keys['a2']!.key)).body).toMatchObject({ kind: 'batch', batch_id: batchId, custom_id: expect.stringMatching(/^line-/) });
    expect((await get(`/v1/requests/${streamId}`, keys['a1']!.key)).body).toMatchObject({ streamed: true, status: 'completed', usage: { cost: made.find((one) => one.requestId === streamId)!.cost } });
  });

  it('hides a request from other projects (404) and shows any to the admin', async () => {
    for (const id of [fallbackId, 'req_does_not_exist']) {
      const response = await get(`/v1/requests/${id}`, keys['b']!.key);
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({ code: 'not_found', param: 'id' });
    }
    expect((await get(`/admin/requests/${fallbackId}`, testAdminKey)).body).toMatchObject({ id: fallbackId, provider: 'mock' });
    expect((await get('/admin/requests/req_does_not_exist', testAdminKey)).status).toBe(404);
  });

  it('npm run usage:rebuild reproduces the same rollups from the raw records', async () => {
    const snapshot = async () => ({
      hourly: (await harness.sql.query('SELECT * FROM usage_rollups ORDER BY hour, project_id, api_key_id, model, provider, served_by, format, batch_id, routing_rule')).rows,
      daily: (await harness.sql.query('SELECT * FROM usage_daily_rollups ORDER BY day, project_id, api_key_id, model, provider, served_by, format, batch_id, routing_rule')).rows,
    });
    const before = await snapshot();
    expect(before.hourly.length).toBeGreaterThan(3);
    expect(before.hourly.filter((row) => row.served_by === 'batch_api')).toMatchObject([{ batch_id: 'batch_native_usage', requests: 2 }]);
    expect(new Set(before.hourly.map((row) => row.format))).toEqual(new Set(['chat', 'embeddings', 'messages', 'responses']));
    await harness.sql.query('UPDATE usage_rollups SET requests = requests + 100, latency_histogram = latency_histogram || 7::bigint');
    await harness.sql.query('DELETE FROM usage_daily_rollups');
    const run = await promisify(execFile)('npx', ['tsx', 'src/usage/rebuild-cli.ts', '--from', from, '--to', to], {
      env: { ...process.env, DATABASE_URL: harness.database.url, LOG_LEVEL: 'info' },
    });
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ msg: 'usage rollups rebuilt', requests: made.length });
    expect(await snapshot()).toEqual(before);
  }, 30_000);
});
