import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

const jsonl = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
const chatLine = (customId: string, content: string, model = 'mock-echo') => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }] },
});

/** Batches end to end: Files API in, provider queues, results and usage in Postgres, files out. */
describe('batches', () => {
  let harness: TestGateway;
  let client: OpenAI;
  let key: string;
  let other: OpenAI;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        providers: {
          mock: { type: 'mock', concurrency: 32 },
          slow: { type: 'mock', latencyMs: 150, concurrency: 2, timeoutMs: 2000 },
        },
        models: {
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing: { inputPerMillion: '1', outputPerMillion: '2' } },
          'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }] },
        },
        // Lines that cannot run fail alone, into the error file (the create-time refusal: batch-validation.test.ts).
        batches: { chunkSize: 4, onInvalidLines: 'fail_lines' },
      },
    });
    key = (await harness.createKey('batch-project')).key;
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    other = new OpenAI({ apiKey: (await harness.createKey('someone-else')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => harness?.close());

  async function waitForStatus(batchId: string, statuses: string[], timeout = 15_000) {
    await expect.poll(async () => (await client.batches.retrieve(batchId)).status, { timeout, interval: 50 }).toSatisfy((status: string) => statuses.includes(status));
    return client.batches.retrieve(batchId);
  }
  const readLines = async (fileId: string) =>
    (await (await client.files.content(fileId)).text())
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, any>);

  it('runs a file batch with the official SDK: create, poll, download output and error files', async () => {
    const lines = [
      chatLine('a', 'first'),
      chatLine('b', 'second'),
      chatLine('c', 'third', 'no-such-model'),
      chatLine('d', 'mock:error:400'),
      ...Array.from({ length: 8 }, (_unused, index) => chatLine(`n${index}`, `number ${index}`)),
    ];
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'input.jsonl'), purpose: 'batch' });
    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });
    expect(created).toMatchObject({ object: 'batch', endpoint: '/v1/chat/completions', input_file_id: file.id, completion_window: '24h', metadata: { job: 'nightly' } });
    expect(['validating', 'in_progress']).toContain(created.status);
    expect(created.id).toMatch(/^batch_[A-Za-z0-9]{24}$/);

    const done = await waitForStatus(created.id, ['completed']);
    expect(done.request_counts).toEqual({ total: 12, completed: 10, failed: 2 });
    expect(done.in_progress_at).toEqual(expect.any(Number));
    expect(done.finalizing_at).toEqual(expect.any(Number));
    expect(done.completed_at).toEqual(expect.any(Number));
    expect(done.output_file_id).toBeTruthy();
    expect(done.error_file_id).toBeTruthy();

    const output = await readLines(done.output_file_id!);
    expect(output.map((line) => line.custom_id)).toEqual(['a', 'b', ...Array.from({ length: 8 }, (_unused, index) => `n${index}`)]);
    expect(output[0]).toMatchObject({ custom_id: 'a', error: null, response: { status_code: 200, body: { object: 'chat.completion' } } });
    expect(output[0]!.response.request_id).toBe(output[0]!.id);
    expect(output[1]!.response.body.choices[0].message.content).toBe('second');

    const errors = await readLines(done.error_file_id!);
    expect(errors.map((line) => [line.custom_id, line.error.code])).toEqual([
      ['c', 'model_not_found'],
      ['d', 'mock_error'],
    ]);
    const { rows: refused } = await harness.sql.query("SELECT model, provider FROM requests WHERE batch_id = $1 AND custom_id = 'c'", [created.id]);
    expect(refused).toEqual([{ model: 'no-such-model', provider: null }]);
    expect(errors[1]!.response).toMatchObject({ status_code: 400, body: { error: { code: 'mock_error' } } });

    const outputFile = await client.files.retrieve(done.output_file_id!);
    expect(outputFile).toMatchObject({ object: 'file', purpose: 'batch_output' });
    expect(outputFile.bytes).toBe(Buffer.byteLength(await (await client.files.content(done.output_file_id!)).text()));

    // Usage: every completed line billed once, attributed to the batch, summed on the batch object.
    const { rows } = await harness.sql.query(
      'SELECT count(*)::int AS n, sum(prompt_tokens)::int AS prompt, sum(completion_tokens)::int AS completion, sum(cost)::text AS cost FROM usage WHERE batch_id = $1',
      [done.id],
    );
    expect(rows[0].n).toBe(10);
    expect(done.usage).toMatchObject({ input_tokens: rows[0].prompt, output_tokens: rows[0].completion, total_tokens: rows[0].prompt + rows[0].completion });
    const { rows: batchRows } = await harness.sql.query('SELECT cost::text FROM batches WHERE id = $1', [done.id]);
    expect(batchRows[0].cost).toBe(rows[0].cost);
  });

  it('cancels mid-batch: unstarted lines stop, finished ones stay in the output file', async () => {
    const lines = Array.from({ length: 40 }, (_unused, index) => chatLine(`slow-${index}`, `slow ${index}`, 'slow-echo'));
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'slow.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect.poll(async () => (await client.batches.retrieve(batch.id)).request_counts?.completed ?? 0, { timeout: 10_000, interval: 25 }).toBeGreaterThanOrEqual(2);
    const cancelling = await client.batches.cancel(batch.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));

    const cancelled = await waitForStatus(batch.id, ['cancelled']);
    const counts = cancelled.request_counts!;
    expect(counts.total).toBe(40);
    expect(counts.completed).toBeGreaterThanOrEqual(2);
    expect(counts.completed).toBeLessThan(40);
    expect(counts.completed + counts.failed).toBe(40);
    expect(cancelled.cancelled_at).toEqual(expect.any(Number));
    const output = await readLines(cancelled.output_file_id!);
    expect(output).toHaveLength(counts.completed);
    const errors = await readLines(cancelled.error_file_id!);
    expect(errors.every((line) => line.error.code === 'batch_cancelled')).toBe(true);
    expect(errors).toHaveLength(counts.failed);
    // Lines that never ran keep the model they asked for.
    const { rows: models } = await harness.sql.query('SELECT DISTINCT model FROM requests WHERE batch_id = $1', [batch.id]);
    expect(models).toEqual([{ model: 'slow-echo' }]);

    await expect(client.batches.cancel(batch.id)).rejects.toMatchObject({ status: 400, code: 'batch_not_cancellable' });
  });

  it('expires lines not done when a short completion window ends', async () => {
    const lines = Array.from({ length: 30 }, (_unused, index) => chatLine(`late-${index}`, `late ${index}`, 'slow-echo'));
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'late.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '1s' as '24h' });
    const expired = await waitForStatus(batch.id, ['expired']);
    expect(expired.expired_at).toEqual(expect.any(Number));
    const counts = expired.request_counts!;
    expect(counts.completed + counts.failed).toBe(30);
    expect(counts.failed).toBeGreaterThan(0);
    const errors = await readLines(expired.error_file_id!);
    expect(errors.length).toBe(counts.failed);
    expect(errors.every((line) => line.error.code === 'batch_expired' && line.response === null)).toBe(true);
    const { rows: models } = await harness.sql.query('SELECT DISTINCT model FROM requests WHERE batch_id = $1', [batch.id]);
    expect(models).toEqual([{ model: 'slow-echo' }]);
  });

  it('runs an inline batch and pages its results as JSON', async () => {
    const requests = Array.from({ length: 5 }, (_unused, index) => ({ custom_id: `inline-${index}`, body: { model: 'mock-echo', messages: [{ role: 'user', content: `inline ${index}` }] } }));
    const created = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/chat/completions', completion_window: '24h' }, key);
    expect(created.status).toBe(200);
    const done = await waitForStatus(created.body.id, ['completed']);
    expect(done.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });

    const first = (await (await fetch(`${harness.url}/v1/batches/${done.id}/results?limit=2`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, any>;
    expect(first).toMatchObject({ object: 'list', has_more: true });
    expect(first.data.map((item: { custom_id: string }) => item.custom_id)).toEqual(['inline-0', 'inline-1']);
    expect(first.data[0]).toMatchObject({ line: 1, status: 'completed', error: null, response: { status_code: 200 } });
    const rest = (await (await fetch(`${harness.url}/v1/batches/${done.id}/results?limit=10&after=${first.last_id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, any>;
    expect(rest.data.map((item: { custom_id: string }) => item.custom_id)).toEqual(['inline-2', 'inline-3', 'inline-4']);
    expect(rest.has_more).toBe(false);
    const input = await client.files.retrieve(done.input_file_id);
    expect(input.purpose).toBe('batch');
  });

  it('lists batches newest first with cursor pagination, only the caller’s', async () => {
    const page = await client.batches.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const next = await client.batches.list({ limit: 10, after: page.data[1]!.id });
    const ids = [...page.data, ...next.data].map((batch) => batch.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect((await other.batches.list()).data).toEqual([]);
  });

  it('keeps each project’s batches and files to itself', async () => {
    const mine = (await client.batches.list({ limit: 1 })).data[0]!;
    await expect(other.batches.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.cancel(mine.id)).rejects.toMatchObject({ status: 404 });
    const results = await fetch(`${harness.url}/v1/batches/${mine.id}/results`, { headers: { authorization: `Bearer ${(await harness.createKey('someone-else')).key}` } });
    expect(results.status).toBe(404);
    await expect(other.batches.create({ input_file_id: mine.input_file_id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({
      status: 404,
      param: 'input_file_id',
    });
  });

  it.each([
    [{ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' }, 404, 'input_file_id'],
    [{ input_file_id: 'file-x', endpoint: '/v1/completions', completion_window: '24h' }, 400, 'endpoint'],
    [{ endpoint: '/v1/chat/completions', completion_window: '24h' }, 400, 'input_file_id'],
    [{ input_file_id: 'file-x', requests: [{ custom_id: 'a', body: {} }], endpoint: '/v1/chat/completions' }, 400, 'input_file_id'],
    [{ requests: [{ custom_id: 'a', body: { model: 'mock-echo', messages: [] } }], endpoint: '/v1/chat/completions', completion_window: 'soon' }, 400, 'completion_window'],
    [
      {
        requests: [
          { custom_id: 'a', body: { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }] } },
          { custom_id: 'a', body: { model: 'mock-echo', messages: [{ role: 'user', content: 'y' }] } },
        ],
        endpoint: '/v1/chat/completions',
      },
      400,
      null,
    ],
    [{ requests: [{ body: { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }] } }], endpoint: '/v1/chat/completions' }, 400, null],
    [{ requests: [{ custom_id: 'a', body: { model: 'mock-echo', messages: [] } }], endpoint: '/v1/chat/completions', webhook: { url: 'http://169.254.169.254/latest' } }, 400, 'webhook.url'],
  ])('rejects bad batch input %j with %i', async (body, status, param) => {
    const response = await postJson(`${harness.url}/v1/batches`, body, key);
    expect(response.status).toBe(status);
    expect(Object.keys(response.body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    if (param !== null) expect(response.body.error.param).toBe(param);
  });
});
