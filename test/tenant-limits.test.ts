import Big from 'big.js';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix } from './support/test-services.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { tenantKeyBase } from '../src/limits/tenant/tenant-rate-limiter.ts';

const chatBody = (content: string, model = 'paid-echo') => ({ model, messages: [{ role: 'user', content }] });
/** A parsed JSON answer, typed as `postJson` types its bodies. */
type Json = Awaited<ReturnType<typeof postJson>>['body'];
const jsonl = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

/** Per-key and per-project RPM, TPM, concurrency and spend budgets, on the sync, async and batch paths. */
describe('per-key and per-project limits and budgets', () => {
  let harness: TestGateway;
  /** A second API process on the same database and Redis prefix. */
  let second: TestGateway;

  beforeAll(async () => {
    const config = {
      providers: { mock: { type: 'mock', concurrency: 32 }, slow: { type: 'mock', latencyMs: 250, concurrency: 1, timeoutMs: 5000 } },
      models: {
        // $0.01 a token: every call costs a few cents.
        'paid-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing: { inputPerMillion: '10000', outputPerMillion: '10000' } },
        'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }], pricing: { inputPerMillion: '10000', outputPerMillion: '10000' } },
      },
      batches: { chunkSize: 2 },
    };
    harness = await startTestGateway({ config });
    second = await startTestGateway({ config, database: harness.database, prefix: harness.prefix, environment: { GATEWAY_ROLE: 'api' } });
  });
  afterAll(async () => {
    await second?.close();
    await harness?.close();
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${harness.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${testAdminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const chat = (key: string, content = 'hello there', url = harness.url) => postJson(`${url}/v1/chat/completions`, chatBody(content), key);

  it('validates the admin limits API and merges, clears and lists limits', async () => {
    const { id } = await harness.createKey('limits-admin');
    for (const [body, param] of [
      [{ rpm: -5 }, 'rpm'],
      [{ tpm: 'abc' }, 'tpm'],
      [{ maxConcurrent: 1.5 }, 'maxConcurrent'],
      [{ budgets: { dailyUsd: '-1' } }, 'budgets.dailyUsd'],
      [{ budgets: { monthlyUsd: 'ten' } }, 'budgets.monthlyUsd'],
      [{ budgets: { totalUsd: 5 } }, 'budgets.totalUsd'],
    ] as const) {
      const refused = await admin('PUT', `/keys/${id}/limits`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_request_body', param });
    }
    expect((await admin('PUT', `/keys/${id}/limits`, { burst: 3 })).status).toBe(400);
    expect((await admin('PUT', '/keys/key_nope/limits', { rpm: 1 })).body.error.code).toBe('not_found');
    expect((await admin('PUT', '/projects/no-such-project/limits', { rpm: 1 })).status).toBe(404);

    const set = await admin('PUT', `/keys/${id}/limits`, { rpm: 10, budgets: { dailyUsd: '012.50' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id, object: 'api_key', limits: { rpm: 10, tpm: null, maxConcurrent: null, budgets: { dailyUsd: '12.5', monthlyUsd: null, totalUsd: null } } });
    const merged = await admin('PUT', `/keys/${id}/limits`, { tpm: 5000, rpm: null, budgets: { totalUsd: '100' } });
    expect(merged.body.limits).toEqual({ rpm: null, tpm: 5000, maxConcurrent: null, budgets: { dailyUsd: '12.5', monthlyUsd: null, totalUsd: '100' } });
    const listed = await admin('GET', '/keys?project=limits-admin');
    expect(listed.body.data[0].limits).toEqual(merged.body.limits);

    const project = await admin('PUT', '/projects/limits-admin/limits', { maxConcurrent: 4, budgets: { monthlyUsd: '250' } });
    expect(project.body).toMatchObject({ object: 'project', name: 'limits-admin', limits: { maxConcurrent: 4, budgets: { monthlyUsd: '250' } } });
    const cleared = await admin('PUT', '/projects/limits-admin/limits', { maxConcurrent: null, budgets: null });
    expect(cleared.body.limits).toEqual({ rpm: null, tpm: null, maxConcurrent: null, budgets: { dailyUsd: null, monthlyUsd: null, totalUsd: null } });
    const { rows } = await harness.sql.query('SELECT limits FROM projects WHERE name = $1', ['limits-admin']);
    expect(rows[0].limits).toBeNull();
    const projects = await admin('GET', '/projects?name=limits-admin');
    expect(projects.body.data).toHaveLength(1);
  });

  it('a key over its RPM gets 429 in OpenAI shape with Retry-After; its project neighbours do not', async () => {
    const { id, key } = await harness.createKey('rpm-project');
    const neighbour = await harness.createKey('rpm-project');
    expect((await admin('PUT', `/keys/${id}/limits`, { rpm: 2 })).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: { message: expect.stringContaining('requests per min (RPM): Limit 2'), type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await chat(neighbour.key)).status).toBe(200);
  });

  it('a change of limits is in force at once on every API process', async () => {
    const { id, key } = await harness.createKey('broadcast-project');
    // Both processes have now cached "no limits" for the key.
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key, 'hi', second.url)).status).toBe(200);
    await admin('PUT', `/keys/${id}/limits`, { budgets: { dailyUsd: '0' } });
    await expect.poll(async () => (await chat(key, 'hi', second.url)).body.error?.code, { timeout: 2000, interval: 20 }).toBe('insufficient_quota');
    await admin('PUT', `/keys/${id}/limits`, { budgets: null });
    await expect.poll(async () => (await chat(key, 'hi', second.url)).status, { timeout: 2000, interval: 20 }).toBe(200);
  });

  it("a project's TPM counts the tokens of all its keys", async () => {
    const first = await harness.createKey('tpm-project');
    const other = await harness.createKey('tpm-project');
    await admin('PUT', '/projects/tpm-project/limits', { tpm: 30 });
    const content = 'a sentence of roughly forty characters..';
    const served = await chat(first.key, content);
    expect(served.status).toBe(200);
    expect(served.body.usage.total_tokens).toBeGreaterThan(15);
    const refused = await chat(other.key, content);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded', param: null });
    expect(refused.body.error.message).toContain('tokens per min (TPM): Limit 30');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('caps concurrent requests and frees the slot when a request ends', async () => {
    const { id, key } = await harness.createKey('concurrency-project');
    await admin('PUT', `/keys/${id}/limits`, { maxConcurrent: 2 });
    const slow = () => postJson(`${harness.url}/v1/chat/completions`, chatBody('slow one', 'slow-echo'), key);
    const answers = await Promise.all([slow(), slow(), slow()]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(refused.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(refused.body.error.message).toContain('Limit 2 concurrent');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await slow()).status).toBe(200);
  });

  it('an async job holds its concurrency slot until its worker records the outcome', async () => {
    const { key, project_id: projectId } = await harness.createKey('async-concurrency');
    await admin('PUT', '/projects/async-concurrency/limits', { maxConcurrent: 1 });
    const submit = () => postJson(`${harness.url}/v1/async/chat/completions`, chatBody('slow async', 'slow-echo'), key);
    const first = await submit();
    expect(first.status).toBe(202);
    const refused = await submit();
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain(`project ${projectId}: Limit 1 concurrent`);
    await expect.poll(async () => (await submit()).status, { timeout: 5000, interval: 50 }).toBe(202);
  });

  it('sync: 429 insufficient_quota once spend passes the daily budget, recounted from Postgres when Redis lost it', async () => {
    const { id, key, project_id: projectId } = await harness.createKey('budget-sync');
    // Spent before any budget was set: the counter starts from Postgres, not from zero.
    const first = await chat(key);
    const cost = new Big(first.headers.get('x-gateway-cost') ?? '0');
    expect(cost.gt(0)).toBe(true);
    await admin('PUT', `/keys/${id}/limits`, { budgets: { dailyUsd: cost.times(2.5).toFixed(10) } });
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota', param: null });
    expect(refused.body.error.message).toContain(`API key ${id} has spent $${cost.times(3).toFixed()} of its daily budget`);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    await deleteRedisPrefix(`${tenantKeyBase(harness.prefix, { kind: 'key', id, projectId })}:spend`);
    expect((await chat(key)).body.error?.code).toBe('insufficient_quota');
    await admin('PUT', `/keys/${id}/limits`, { budgets: { dailyUsd: null, monthlyUsd: cost.times(10).toFixed(10) } });
    expect((await chat(key)).status).toBe(200);
  });

  it('async: a submission is refused while the project is over its budget', async () => {
    const { key } = await harness.createKey('budget-async');
    await admin('PUT', '/projects/budget-async/limits', { budgets: { monthlyUsd: '0.0000000001' } });
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, chatBody('spend a little'), key);
    expect(accepted.status).toBe(202);
    await expect
      .poll(async () => ((await (await fetch(`${harness.url}/v1/async/chat/completions/${accepted.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Json).status, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe('completed');
    const refused = await postJson(`${harness.url}/v1/async/chat/completions`, chatBody('one more'), key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(refused.body.error.message).toContain('monthly budget of $0.0000000001');
    const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM requests WHERE id = $1', [refused.headers.get('x-request-id')]);
    expect(rows[0].n).toBe(0);
  });

  it('batch: lines stop with budget_exceeded once the budget is spent, and the batch completes', async () => {
    const { id, key } = await harness.createKey('budget-batch');
    await admin('PUT', `/keys/${id}/limits`, { budgets: { totalUsd: '0.0000000001' } });
    const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const lines = Array.from({ length: 12 }, (_unused, index) => ({
      custom_id: `line-${index}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: chatBody(`line ${index}`, 'slow-echo'),
    }));
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'budget.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect.poll(async () => (await client.batches.retrieve(batch.id)).status, { timeout: 20_000, interval: 100 }).toBe('completed');
    const done = await client.batches.retrieve(batch.id);
    const counts = done.request_counts!;
    expect(counts.completed).toBeGreaterThanOrEqual(1);
    expect(counts.completed).toBeLessThan(6);
    expect(counts.completed + counts.failed).toBe(12);
    const errors = (await (await client.files.content(done.error_file_id!)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json);
    expect(errors).toHaveLength(counts.failed);
    for (const line of errors) {
      expect(line.error.code).toBe('budget_exceeded');
      // Never sent to the provider: the answer is the gateway's own 429, as a sync call would get.
      expect(line.response).toMatchObject({ status_code: 429, body: { error: { code: 'budget_exceeded', type: 'insufficient_quota' } } });
      expect(line.error.message).toContain(`API key ${id} has spent $`);
    }
    // Spend counted from the batch's usage rows: a new batch is refused at once.
    const refused = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 429, code: 'insufficient_quota' });
  });
});
