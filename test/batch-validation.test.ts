import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { testRedisUrl } from './support/test-services.ts';
import { queuePrefix } from '../src/queues/queue-prefix.ts';

const fileLine = (customId: string, body: Record<string, unknown>) => JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body });
const chat = (model: string, content: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });
const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];

/** Line number → the mistyped model on it; every other line asks for `mock-echo`. */
const typos = new Map([
  [17, 'mock-ecko'],
  [5000, 'mock-eho'],
  [9999, 'mock_echo'],
]);
const bigFile = Array.from({ length: 10_000 }, (_unused, index) => fileLine(`r${index + 1}`, chat(typos.get(index + 1) ?? 'mock-echo', `line ${index + 1}`))).join('\n') + '\n';

/**
 * Batches are checked line by line when they are created, as a sync call would be: `reject` refuses
 * the batch naming the lines, `fail_lines` fails them alone, at once, keeping the model asked for.
 * Two gateways on one database and queue prefix: `rejecting` (API only, the default `reject`) and
 * `failing` (API and workers, `batches.onInvalidLines: fail_lines`), whose workers run both's batches.
 */
describe('batch lines checked at create', () => {
  let failing: TestGateway;
  let rejecting: TestGateway;
  let key: string;
  let projectId: string;
  let redis: Redis;
  let controlQueue: Queue;

  const config = (onInvalidLines?: string) => ({
    providers: {
      mock: { type: 'mock', latencyMs: 0, concurrency: 64 },
      // A text-only model without tool calling (the catalogue's `sonar`); no line ever reaches it.
      search: { type: 'perplexity', baseUrl: 'http://127.0.0.1:9/never-called', apiKey: 'pplx-test', maxAttempts: 1 },
    },
    models: {
      'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
      sonar: { routes: [{ provider: 'search', model: 'sonar' }] },
      // Sonar first, echo as the fallback: a tools request can still be served, by echo.
      lookup: {
        routes: [
          { provider: 'search', model: 'sonar' },
          { provider: 'mock', model: 'echo' },
        ],
      },
    },
    batches: { chunkSize: 500, ...(onInvalidLines ? { onInvalidLines } : {}) },
  });

  beforeAll(async () => {
    failing = await startTestGateway({ config: config('fail_lines') });
    rejecting = await startTestGateway({ config: config(), database: failing.database, prefix: failing.prefix, environment: { GATEWAY_ROLE: 'api' } });
    const created = await failing.createKey('validation');
    key = created.key;
    projectId = created.project_id;
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    controlQueue = new Queue('batch-control', { connection: redis, prefix: queuePrefix(failing.prefix, 'batch-control') });
  }, 60_000);
  afterAll(async () => {
    await controlQueue?.close();
    await redis?.quit();
    await rejecting?.close();
    await failing?.close();
  });

  const upload = async (harness: TestGateway, content: string) => {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([content]), 'input.jsonl');
    const response = await fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: string }).id;
  };
  const createBatch = (harness: TestGateway, body: Record<string, unknown>) => postJson(`${harness.url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', ...body }, key);
  const get = async (harness: TestGateway, path: string) => (await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<Record<string, any>>;
  const waitForEnd = async (batchId: string) => {
    await expect.poll(async () => (await get(failing, `/v1/batches/${batchId}`)).status, { timeout: 90_000, interval: 100 }).toBe('completed');
    return get(failing, `/v1/batches/${batchId}`);
  };
  const readFile = async (fileId: string) =>
    (await (await fetch(`${failing.url}/v1/files/${fileId}/content`, { headers: { authorization: `Bearer ${key}` } })).text())
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, any>);
  /** What a refused create must leave as it was: batches, inline files, chunks. */
  const state = async () => {
    const { rows } = await failing.sql.query<{ batches: number; inline_files: number; chunks: number }>(
      `SELECT (SELECT count(*)::int FROM batches WHERE project_id = $1) AS batches,
              (SELECT count(*)::int FROM files WHERE project_id = $1 AND kind = 'inline') AS inline_files,
              (SELECT count(*)::int FROM batch_chunks) AS chunks`,
      [projectId],
    );
    return rows[0];
  };
  /** Lifecycle steps queued for a batch that does not exist: what a create that queued and then rolled back would leave. */
  const orphanSteps = async () => {
    const jobs = await controlQueue.getJobs(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
    const batchIds = jobs.map((job) => (job?.data as { batchId?: string } | undefined)?.batchId).filter((id): id is string => id !== undefined);
    const { rows } = await failing.sql.query<{ id: string }>('SELECT id FROM batches WHERE id = ANY($1::text[])', [batchIds]);
    const known = new Set(rows.map((row) => row.id));
    return batchIds.filter((id) => !known.has(id));
  };

  let bigFileId: string;

  it('refuses a 10,000-line file with three mistyped models, naming each line, and creates nothing', async () => {
    bigFileId = await upload(rejecting, bigFile);
    const before = await state();
    const refused = await createBatch(rejecting, { input_file_id: bigFileId });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_batch_lines', param: 'input_file_id' });
    const message = refused.body.error.message as string;
    expect(message).toMatch(/^3 of 10000 lines cannot run/);
    for (const [line, model] of typos) {
      expect(message).toContain(`line ${line} (custom_id 'r${line}'): model_not_found: The model '${model}' does not exist or you do not have access to it`);
    }
    expect(message).not.toContain('line 18 ');
    expect(await state()).toEqual(before);
    expect(await orphanSteps()).toEqual([]);
  });

  it('with fail_lines, runs the rest and fails those three alone, keeping the model each asked for', async () => {
    const before = await state();
    const created = await createBatch(failing, { input_file_id: bigFileId });
    expect(created.status).toBe(200);
    // The guard of the refusal above: a created batch shows in its counts, and its steps in the queue
    // (its expiry waits there for the whole window), so a step queued for nothing would show too.
    expect((await state())?.batches).toBe((before?.batches ?? 0) + 1);
    expect(await controlQueue.getJob(`expire-${created.body.id as string}`)).toBeDefined();

    const done = await waitForEnd(created.body.id);
    expect(done.request_counts).toEqual({ total: 10_000, completed: 9997, failed: 3 });
    const errors = await readFile(done.error_file_id);
    expect(errors.map((line) => [line.custom_id, line.error.code, line.response?.status_code])).toEqual([
      ['r17', 'model_not_found', 404],
      ['r5000', 'model_not_found', 404],
      ['r9999', 'model_not_found', 404],
    ]);
    expect(errors[0]!.error.message).toBe("The model 'mock-ecko' does not exist or you do not have access to it.");

    const { rows } = await failing.sql.query<{ custom_id: string; model: string; provider: string | null; attempts: number }>(
      "SELECT custom_id, model, provider, attempts FROM requests WHERE batch_id = $1 AND status = 'failed' ORDER BY line_number",
      [done.id],
    );
    expect(rows).toEqual([...typos].map(([line, model]) => ({ custom_id: `r${line}`, model, provider: null, attempts: 0 })));
    const { rows: models } = await failing.sql.query<{ model: string; count: number }>('SELECT model, count(*)::int AS count FROM requests WHERE batch_id = $1 GROUP BY model ORDER BY model', [
      done.id,
    ]);
    expect(models).toEqual([
      { model: 'mock-echo', count: 9997 },
      { model: 'mock-ecko', count: 1 },
      { model: 'mock-eho', count: 1 },
      { model: 'mock_echo', count: 1 },
    ]);
  }, 120_000);

  it('refuses an inline batch the same way, naming requests[i], and stores none of its requests', async () => {
    const before = await state();
    const requests = [
      { custom_id: 'fine', body: chat('mock-echo', 'ok') },
      { custom_id: 'typo', body: chat('mock-ehco', 'typo') },
      { custom_id: 'tools', body: chat('sonar', 'tools?', { tools }) },
      { custom_id: 'streamed', body: chat('mock-echo', 'stream?', { stream: true }) },
    ];
    const refused = await createBatch(rejecting, { requests });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_batch_lines', param: 'requests' });
    const message = refused.body.error.message as string;
    expect(message).toMatch(/^3 of 4 requests cannot run/);
    expect(message).toContain("requests[1] (custom_id 'typo'): model_not_found: The model 'mock-ehco' does not exist");
    expect(message).toContain("requests[3] (custom_id 'streamed'): stream_not_supported");
    expect(message).not.toContain("custom_id 'fine'");
    expect(await state()).toEqual(before);
    expect(await orphanSteps()).toEqual([]);
  });

  it('refuses a capability no route of the model has, with the reason a sync call gets', async () => {
    const sync = await postJson(`${failing.url}/v1/chat/completions`, chat('sonar', 'tools?', { tools }), key);
    expect(sync.status).toBe(400);
    expect(sync.body.error).toMatchObject({ code: 'unsupported_capability', param: 'tools' });
    const image = { model: 'sonar', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }] };

    const fileId = await upload(rejecting, [fileLine('a', chat('sonar', 'plain')), fileLine('b', chat('sonar', 'tools?', { tools })), fileLine('c', image)].join('\n'));
    const refused = await createBatch(rejecting, { input_file_id: fileId });
    expect(refused.status).toBe(400);
    const message = refused.body.error.message as string;
    expect(message).toMatch(/^2 of 3 lines cannot run/);
    expect(message).toContain(`line 2 (custom_id 'b'): unsupported_capability: body.tools: ${(sync.body.error.message as string).replace(/\.$/, '')}`);
    expect(message).toMatch(/line 3 \(custom_id 'c'\): unsupported_capability: body\.messages\[0\]\.content: The model 'sonar' .*does not accept images/);
  });

  it('accepts a capability one of the routes has, and the line runs there, as a sync call would', async () => {
    const sync = await postJson(`${failing.url}/v1/chat/completions`, chat('lookup', 'tools!', { tools }), key);
    expect(sync.status).toBe(200);
    const created = await createBatch(rejecting, { requests: [{ custom_id: 'tools', body: chat('lookup', 'tools!', { tools }) }] });
    expect(created.status).toBe(200);
    const done = await waitForEnd(created.body.id);
    expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
    const { rows } = await failing.sql.query('SELECT model, provider, upstream_model FROM requests WHERE batch_id = $1', [done.id]);
    expect(rows).toEqual([{ model: 'lookup', provider: 'mock', upstream_model: 'echo' }]);
  });

  it('lets a batch choose for itself with on_invalid_lines', async () => {
    const requests = [
      { custom_id: 'fine', body: chat('mock-echo', 'ok') },
      { custom_id: 'typo', body: chat('mock-ehco', 'typo') },
    ];
    const refused = await createBatch(failing, { requests, on_invalid_lines: 'reject' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_batch_lines');

    const created = await createBatch(rejecting, { requests, on_invalid_lines: 'fail_lines' });
    expect(created.status).toBe(200);
    const done = await waitForEnd(created.body.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    expect((await readFile(done.error_file_id)).map((line) => [line.custom_id, line.error.code])).toEqual([['typo', 'model_not_found']]);

    const invalid = await createBatch(rejecting, { requests, on_invalid_lines: 'sometimes' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.param).toBe('on_invalid_lines');
  });

  it('records a line that names no model as such, and usage never shows an empty model', async () => {
    // Uploads refuse such a line; a stored one (written by hand here) must still be recorded sensibly.
    const fileId = 'file-nomodel0000000000000000';
    await failing.sql.query("INSERT INTO files (id, project_id, filename, purpose, kind, bytes, line_count) VALUES ($1, $2, 'hand.jsonl', 'batch', 'upload', 2, 2)", [fileId, projectId]);
    await failing.sql.query('INSERT INTO file_lines (file_id, line_number, custom_id, content) VALUES ($1, 1, $2, $3), ($1, 2, $4, $5)', [
      fileId,
      'no-model',
      fileLine('no-model', { messages: [{ role: 'user', content: 'which model?' }] }),
      'fine',
      fileLine('fine', chat('mock-echo', 'fine')),
    ]);
    const refused = await createBatch(rejecting, { input_file_id: fileId });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("line 1 (custom_id 'no-model'): invalid_request_body: body.model:");

    const created = await createBatch(failing, { input_file_id: fileId });
    expect(created.status).toBe(200);
    const done = await waitForEnd(created.body.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const { rows } = await failing.sql.query('SELECT custom_id, model FROM requests WHERE batch_id = $1 ORDER BY line_number', [done.id]);
    expect(rows).toEqual([
      { custom_id: 'no-model', model: '(no model)' },
      { custom_id: 'fine', model: 'mock-echo' },
    ]);

    const usage = await get(failing, '/v1/usage?group_by=model');
    const byModel = new Map((usage.data as Array<{ model: string | null; requests: number; errors: number }>).map((row) => [row.model, row]));
    expect(byModel.has('')).toBe(false);
    expect(byModel.has('(no model)')).toBe(false);
    expect(byModel.get(null)).toMatchObject({ requests: 1, errors: 1 });
    for (const model of typos.values()) expect(byModel.get(model)).toMatchObject({ requests: 1, errors: 1 });
    const { rows: empty } = await failing.sql.query("SELECT count(*)::int AS n FROM requests WHERE model = ''");
    expect(empty[0].n).toBe(0);
  }, 60_000);
});
