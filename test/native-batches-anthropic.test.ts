import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBatchServer, echoResult, erroredResult } from './support/anthropic-batch-server.ts';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

const chatLine = (customId: string, content: string, model = 'claude') => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }], max_tokens: 50 },
});

/** Batches sent to Anthropic's Message Batches API by the gateway itself, end to end. */
describe('native batches on Anthropic', () => {
  let anthropic: AnthropicBatchServer;
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    anthropic = await AnthropicBatchServer.start();
    harness = await startTestGateway({
      config: {
        providers: {
          anthropic: { type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: 'sk-ant-test', nativeBatch: { enabled: true, pollIntervalMs: 100 } },
          mock: { type: 'mock' },
        },
        models: {
          claude: { routes: [{ provider: 'anthropic', model: 'claude-haiku-5-5' }], pricing: { inputPerMillion: '1', outputPerMillion: '4' } },
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
        },
      },
    });
    client = new OpenAI({ apiKey: (await harness.createKey('native')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await anthropic?.close();
  });

  async function createInline(lines: unknown[], options: { mode?: string; window?: string } = {}) {
    return fetch(`${harness.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json', ...(options.mode ? { 'x-gateway-batch-mode': options.mode } : {}) },
      body: JSON.stringify({ endpoint: '/v1/chat/completions', completion_window: options.window ?? '24h', requests: lines }),
    });
  }

  async function fileLines(
    fileId: string | null | undefined,
  ): Promise<Array<{ custom_id: string; response: { status_code: number; body: Record<string, unknown> } | null; error: { code: string; message: string } | null }>> {
    if (!fileId) return [];
    const text = await (await client.files.content(fileId)).text();
    return text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  function resetServer() {
    anthropic.answer = echoResult;
    anthropic.hold = false;
    anthropic.progressRequests = 0;
    anthropic.dropCreateAnswers = 0;
    anthropic.malformedResults = false;
    anthropic.refuseCreates = undefined;
  }

  async function waitForStatus(batchId: string, statuses: string[], timeout = 20_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const batch = await client.batches.retrieve(batchId);
      if (statuses.includes(batch.status)) return batch;
      if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('sends a 24h batch to the provider once, and prices every line at the batch price', async () => {
    const lines = Array.from({ length: 20 }, (_, index) => chatLine(`line-${index}`, `question ${index}`));
    const response = await fetch(`${harness.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: '/v1/chat/completions', completion_window: '24h', requests: lines }),
    });
    expect(response.status).toBe(200);
    const created = (await response.json()) as { id: string };
    const done = await waitForStatus(created.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
    expect(anthropic.creates).toBe(1);
    expect([...anthropic.requestsReceived.values()].every((count) => count === 1)).toBe(true);
    expect(anthropic.requestsReceived.size).toBe(20);

    const output = await (await client.files.content(done.output_file_id ?? '')).text();
    const results = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { custom_id: string; response: { status_code: number; body: { choices: Array<{ message: { content: string } }> } } });
    expect(results).toHaveLength(20);
    const byId = new Map(results.map((result) => [result.custom_id, result]));
    expect(byId.get('line-7')?.response.status_code).toBe(200);
    expect(byId.get('line-7')?.response.body.choices[0]?.message.content).toContain('question 7');

    // 10 input and 5 output tokens a line at half of (1, 4) USD per million: 0.000005 + 0.00001 = 0.000015
    // each, against 0.00003 at the sync price.
    const { rows } = await harness.sql.query<{ cost: string; batch_saved: string; provider_batch_id: string | null; provider: string }>(
      'SELECT u.cost::text AS cost, u.batch_saved::text AS batch_saved, r.provider_batch_id, r.provider FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.batch_id = $1',
      [created.id],
    );
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(row).toEqual({ cost: '0.0000150000', batch_saved: '0.0000150000', provider: 'anthropic', provider_batch_id: expect.stringMatching(/^msgbatch_/) });
    const batchCost = await harness.sql.query<{ cost: string }>('SELECT cost::text AS cost FROM batches WHERE id = $1', [created.id]);
    expect(batchCost.rows[0]?.cost).toBe('0.0003000000');
  });

  it('runs lines of providers without a batch API on the gateway in auto mode, in the same batch', async () => {
    resetServer();
    const creates = anthropic.creates;
    const lines = [chatLine('native-1', 'one'), chatLine('gateway-1', 'two', 'mock-echo'), chatLine('native-2', 'three'), chatLine('gateway-2', 'four', 'mock-echo')];
    const created = (await (await createInline(lines)).json()) as { id: string };
    const done = await waitForStatus(created.id, ['completed', 'failed']);
    expect(done.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
    expect(anthropic.creates).toBe(creates + 1);
    const { rows } = await harness.sql.query<{ custom_id: string; provider: string; native: boolean }>(
      'SELECT custom_id, provider, provider_batch_id IS NOT NULL AS native FROM requests WHERE batch_id = $1 ORDER BY line_number',
      [created.id],
    );
    expect(rows).toEqual([
      { custom_id: 'native-1', provider: 'anthropic', native: true },
      { custom_id: 'gateway-1', provider: 'mock', native: false },
      { custom_id: 'native-2', provider: 'anthropic', native: true },
      { custom_id: 'gateway-2', provider: 'mock', native: false },
    ]);
    expect((await fileLines(done.output_file_id)).map((line) => line.custom_id).sort()).toEqual(['gateway-1', 'gateway-2', 'native-1', 'native-2']);
  });

  it('keeps every line on the gateway in gateway mode and for a window under 24h', async () => {
    resetServer();
    const creates = anthropic.creates;
    const viaHeader = (await (await createInline([chatLine('a', 'x')], { mode: 'gateway' })).json()) as { id: string };
    const shortWindow = (await (await createInline([chatLine('b', 'y')], { window: '1h' })).json()) as { id: string };
    for (const id of [viaHeader.id, shortWindow.id]) {
      const done = await waitForStatus(id, ['completed', 'failed']);
      // The sync Messages call reaches the batch server, which has no /v1/messages: the line fails on the gateway.
      expect(done.request_counts?.total).toBe(1);
      const { rows } = await harness.sql.query<{ native: boolean }>('SELECT provider_batch_id IS NOT NULL AS native FROM requests WHERE batch_id = $1', [id]);
      expect(rows).toEqual([{ native: false }]);
    }
    expect(anthropic.creates).toBe(creates);
  });

  it('refuses native mode for lines no batch API can take, a short window and an unknown mode, creating nothing', async () => {
    const before = await harness.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM batches');
    const mixed = await createInline([chatLine('a', 'x'), chatLine('b', 'y', 'mock-echo')], { mode: 'native' });
    expect(mixed.status).toBe(400);
    const mixedError = ((await mixed.json()) as { error: { code: string; message: string; param: string } }).error;
    expect(mixedError.code).toBe('native_batch_unavailable');
    expect(mixedError.message).toContain("provider 'mock' (type mock) has no batch API");
    expect(mixedError.message).toMatch(/^1 of 2 requests/);

    const short = await createInline([chatLine('a', 'x')], { mode: 'native', window: '2h' });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'native_batch_unavailable', param: 'completion_window' });

    const unknown = await createInline([chatLine('a', 'x')], { mode: 'cheap' });
    expect(unknown.status).toBe(400);
    const unknownError = ((await unknown.json()) as { error: { code: string; message: string; param: string } }).error;
    expect(unknownError).toMatchObject({ code: 'invalid_request_body', param: 'x-gateway-batch-mode' });
    expect(unknownError.message).toContain('auto, native, gateway');
    const after = await harness.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM batches');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);

    const native = await createInline([chatLine('n', 'z')], { mode: 'native' });
    expect(native.status).toBe(200);
    const done = await waitForStatus(((await native.json()) as { id: string }).id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
  });

  it('cancels the provider batch on a cancel, keeps what finished, and marks the rest cancelled', async () => {
    resetServer();
    anthropic.hold = true;
    anthropic.progressRequests = 3;
    const cancels = anthropic.cancels;
    const created = (await (await createInline(Array.from({ length: 8 }, (_, index) => chatLine(`c-${index}`, `q${index}`)))).json()) as { id: string };
    const deadline = Date.now() + 10_000;
    while (!(await harness.sql.query("SELECT 1 FROM provider_batches WHERE batch_id = $1 AND status = 'submitted'", [created.id])).rowCount) {
      if (Date.now() > deadline) throw new Error('provider batch never submitted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.batches.cancel(created.id);
    const done = await waitForStatus(created.id, ['cancelled']);
    expect(anthropic.cancels).toBe(cancels + 1);
    expect(done.request_counts).toEqual({ total: 8, completed: 3, failed: 5 });
    expect((await fileLines(done.output_file_id)).map((line) => line.custom_id).sort()).toEqual(['c-0', 'c-1', 'c-2']);
    const errors = await fileLines(done.error_file_id);
    expect(errors).toHaveLength(5);
    expect(errors.every((line) => line.error?.code === 'batch_cancelled')).toBe(true);
  });

  it('writes per-line provider errors to the error file in OpenAI’s shape, and the rest to the output', async () => {
    resetServer();
    anthropic.answer = (request) => (request.custom_id.endsWith('_2') ? erroredResult('invalid_request_error', 'max_tokens: too large for this model') : echoResult(request));
    const created = (await (await createInline([chatLine('ok-1', 'a'), chatLine('bad', 'b'), chatLine('ok-2', 'c')])).json()) as { id: string };
    const done = await waitForStatus(created.id, ['completed']);
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const [error] = await fileLines(done.error_file_id);
    expect(error?.custom_id).toBe('bad');
    expect(error?.response?.status_code).toBe(400);
    expect(JSON.stringify(error?.response?.body)).toContain('max_tokens: too large for this model');
    const { rows } = await harness.sql.query<{ billed: number }>('SELECT count(u.*)::int AS billed FROM requests r LEFT JOIN usage u ON u.request_id = r.id WHERE r.batch_id = $1', [created.id]);
    expect(rows[0]?.billed).toBe(2);
  });

  it('finds a provider batch whose create answer was lost, instead of creating it twice', async () => {
    resetServer();
    anthropic.dropCreateAnswers = 1;
    const creates = anthropic.creates;
    const created = (await (await createInline(Array.from({ length: 5 }, (_, index) => chatLine(`d-${index}`, `q${index}`)))).json()) as { id: string };
    const done = await waitForStatus(created.id, ['completed', 'failed'], 30_000);
    expect(done.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect(anthropic.creates).toBe(creates + 1);
    const batchRequests = [...anthropic.requestsReceived.entries()].filter(([customId]) => customId.startsWith(`batch_req_${created.id.slice(6)}_`));
    expect(batchRequests).toHaveLength(5);
    expect(batchRequests.every(([, count]) => count === 1)).toBe(true);
  });

  it('ignores result lines for unknown custom ids and unreadable lines, keeping every real result', async () => {
    resetServer();
    anthropic.malformedResults = true;
    const created = (await (await createInline([chatLine('m-1', 'a'), chatLine('m-2', 'b')])).json()) as { id: string };
    const done = await waitForStatus(created.id, ['completed']);
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const output = await fileLines(done.output_file_id);
    expect(output.map((line) => line.custom_id).sort()).toEqual(['m-1', 'm-2']);
    const { rows } = await harness.sql.query<{ errors: string[] }>('SELECT errors FROM provider_batches WHERE batch_id = $1', [created.id]);
    expect(rows[0]?.errors?.[0]).toMatch(/^2 result lines named no line of this batch/);
  });

  it('holds a submitted part’s estimated cost against the budget until its results are in, then bills what they cost', async () => {
    resetServer();
    anthropic.hold = true;
    const { id, key } = await harness.createKey('native-budget');
    const owner = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const limits = await fetch(`${harness.url}/admin/keys/${id}/limits`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ budgets: { dailyUsd: '0.001' } }),
    });
    expect(limits.status).toBe(200);
    const create = () =>
      fetch(`${harness.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
          requests: [{ custom_id: 'big', body: { model: 'claude', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] } }],
        }),
      });
    const first = (await (await create()).json()) as { id: string };
    await expect
      .poll(
        async () =>
          (await harness.sql.query<{ reserved: string }>("SELECT reserved_cost::text AS reserved FROM provider_batches WHERE batch_id = $1 AND status = 'submitted'", [first.id])).rows[0]?.reserved,
        { timeout: 10_000 },
      )
      .toBeDefined();
    // Up to 1000 output tokens at half of 4 USD per million: about 0.002 USD held, over the 0.001 budget.
    const { rows } = await harness.sql.query<{ reserved: string }>('SELECT reserved_cost::text AS reserved FROM provider_batches WHERE batch_id = $1', [first.id]);
    expect(Number(rows[0]?.reserved)).toBeGreaterThan(0.002);
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');

    anthropic.release();
    anthropic.hold = false;
    await expect.poll(async () => (await owner.batches.retrieve(first.id)).status, { timeout: 10_000 }).toBe('completed');
    const settled = await harness.sql.query<{ reserved: string }>('SELECT reserved_cost::text AS reserved FROM provider_batches WHERE batch_id = $1', [first.id]);
    expect(settled.rows[0]?.reserved).toBe('0.0000000000');
    // What the line really cost (10 + 5 tokens) is far under the budget: new batches are taken again.
    await expect.poll(async () => (await create()).status, { timeout: 5_000 }).toBe(200);
  });

  it('reports batch API lines under served_by=batch_api in the usage API, with what the discount saved', async () => {
    const response = await fetch(`${harness.url}/v1/usage?group_by=served_by`, { headers: { authorization: `Bearer ${client.apiKey}` } });
    expect(response.status).toBe(200);
    const usage = (await response.json()) as { data: Array<{ served_by: string; requests: number; cost: string; batch_saved: string }> };
    const native = usage.data.find((row) => row.served_by === 'batch_api');
    expect(native?.requests).toBeGreaterThanOrEqual(20);
    expect(Number(native?.batch_saved)).toBeGreaterThan(0);
    expect(native?.batch_saved).toBe(native?.cost);
    const gateway = usage.data.find((row) => row.served_by === 'gateway');
    expect(gateway?.batch_saved).toBe('0');
  });

  it('documents x-gateway-batch-mode beside Idempotency-Key on POST /v1/batches in the OpenAPI spec', async () => {
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
    const headers = (spec.paths['/v1/batches']?.['post']?.parameters ?? []).filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name);
    expect(headers.sort()).toEqual(['idempotency-key', 'x-gateway-batch-mode']);
  });
});
