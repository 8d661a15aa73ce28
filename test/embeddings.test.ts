import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockVector } from '../src/providers/mock/mock-embeddings.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

/**
 * `POST /v1/embeddings` end to end through the one pipeline: the official SDK (floats and base64),
 * bad input in OpenAI's error shape, routing refusals, fallback over a provider that speaks OpenAI's
 * wire format, the response cache, records and cost, async jobs and batches.
 */
describe('embeddings', () => {
  let harness: TestGateway;
  let client: OpenAI;
  let key: string;
  let upstream: Server;
  const upstreamBodies: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    // An OpenAI-wire provider that is down: every embeddings call answers 503.
    upstream = createServer((request, response) => {
      void readBody(request).then((body) => {
        upstreamBodies.push(JSON.parse(body) as Record<string, unknown>);
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error', param: null, code: null } }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    harness = await startTestGateway({
      config: {
        cache: { enabled: false },
        providers: {
          mock: { type: 'mock', latencyMs: 0 },
          down: { type: 'openai', baseUrl: upstreamUrl, apiKey: 'sk-test', maxAttempts: 1 },
          claude: { type: 'anthropic', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-ant-test' },
        },
        models: {
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
          'mock-embed': { routes: [{ provider: 'mock', model: 'embed' }] },
          'priced-embed': { routes: [{ provider: 'mock', model: 'embed', pricing: { inputPerMillion: '0.5', outputPerMillion: '0' } }] },
          'cached-embed': { routes: [{ provider: 'mock', model: 'embed' }], cache: { enabled: true, ttlSeconds: 600 } },
          'fallback-embed': {
            routes: [
              { provider: 'down', model: 'text-embedding-3-small' },
              { provider: 'mock', model: 'embed' },
            ],
          },
          'claude-embed': { routes: [{ provider: 'claude', model: 'claude-haiku-4-5' }] },
          'openai-chat': { routes: [{ provider: 'down', model: 'gpt-4o-mini' }] },
        },
      },
    });
    ({ key } = await harness.createKey('embeddings'));
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('answers the official SDK with one vector per input, as floats and as base64', async () => {
    const texts = ['first text', 'second text', 'third'];
    const floats = await client.embeddings.create({ model: 'mock-embed', input: texts, encoding_format: 'float' });
    expect(floats.object).toBe('list');
    expect(floats.data.map((item) => item.index)).toEqual([0, 1, 2]);
    for (const [index, text] of texts.entries()) expect(floats.data[index]?.embedding).toEqual(mockVector('embed', text, 8));
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
    expect(floats.usage.total_tokens).toBe(floats.usage.prompt_tokens);

    // Without encoding_format the SDK asks for base64 and decodes it: the same vectors, as float32.
    const decoded = await client.embeddings.create({ model: 'mock-embed', input: texts });
    for (const [index, item] of decoded.data.entries()) {
      expect(item.embedding).toHaveLength(8);
      item.embedding.forEach((value, position) => expect(value).toBeCloseTo(floats.data[index]!.embedding[position]!, 6));
    }
    const raw = await postJson(`${harness.url}/v1/embeddings`, { model: 'mock-embed', input: 'one', encoding_format: 'base64' }, key);
    expect(typeof raw.body.data[0].embedding).toBe('string');
    expect(Buffer.from(raw.body.data[0].embedding as string, 'base64')).toHaveLength(8 * 4);
  });

  it('takes one string, token arrays and dimensions', async () => {
    const single = await client.embeddings.create({ model: 'mock-embed', input: 'just one', dimensions: 16, encoding_format: 'float' });
    expect(single.data).toHaveLength(1);
    expect(single.data[0]?.embedding).toHaveLength(16);
    const tokens = await client.embeddings.create({
      model: 'mock-embed',
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: 'float',
    });
    expect(tokens.data).toHaveLength(2);
    // Token arrays count exactly.
    expect(tokens.usage.prompt_tokens).toBe(5);
  });

  it('refuses bad input with OpenAI-shaped 400s', async () => {
    const cases: Array<[unknown, string, string | null]> = [
      [{ model: 'mock-embed', input: [] }, 'invalid_request_body', 'input'],
      [{ model: 'mock-embed', input: '' }, 'invalid_request_body', 'input'],
      [{ model: 'mock-embed', input: ['fine', ''] }, 'invalid_request_body', 'input[1]'],
      [{ model: 'mock-embed', input: Array.from({ length: 2049 }, () => 'x') }, 'invalid_request_body', 'input'],
      [{ model: 'mock-embed' }, 'invalid_request_body', 'input'],
      [{ model: 'mock-embed', input: 'x', encoding_format: 'int8' }, 'invalid_request_body', 'encoding_format'],
      // A chat model, a provider without embeddings: the model cannot embed.
      [{ model: 'mock-echo', input: 'x' }, 'unsupported_capability', 'model'],
      [{ model: 'claude-embed', input: 'x' }, 'unsupported_capability', 'model'],
    ];
    for (const [body, code, param] of cases) {
      const answer = await postJson(`${harness.url}/v1/embeddings`, body, key);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.error).toMatchObject({ code, param, type: 'invalid_request_error' });
      expect(answer.body.error.message).toEqual(expect.any(String));
    }
    const unknown = await postJson(`${harness.url}/v1/embeddings`, { model: 'no-such-model', input: 'x' }, key);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    // An embeddings model asked to chat is refused the other way round.
    const chat = await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-embed', messages: [{ role: 'user', content: 'hi' }] }, key);
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({ code: 'unsupported_capability', param: 'model' });
  });

  it('falls back from a failing OpenAI-wire provider to the next route, and records the trail', async () => {
    upstreamBodies.length = 0;
    const { data, response } = await client.embeddings.create({ model: 'fallback-embed', input: ['fall back'], dimensions: 4, user: 'u-1', encoding_format: 'float' }).withResponse();
    expect(data.data[0]?.embedding).toEqual(mockVector('embed', 'fall back', 4));
    // The provider was sent OpenAI's body: its own model name, floats asked for, the client's fields kept.
    expect(upstreamBodies).toEqual([{ model: 'text-embedding-3-small', input: ['fall back'], dimensions: 4, user: 'u-1', encoding_format: 'float' }]);
    const requestId = response.headers.get('x-request-id');
    const { rows } = await harness.sql.query('SELECT operation, provider, upstream_model, attempts, route_attempts FROM requests WHERE id = $1', [requestId]);
    expect(rows[0]).toMatchObject({ operation: 'embeddings', provider: 'mock', upstream_model: 'embed', attempts: 2 });
    expect((rows[0].route_attempts as Array<{ provider: string; outcome: string }>).map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ['down', 'failed'],
      ['mock', 'completed'],
    ]);
  });

  it('bills input tokens at the route price and records the request as an embeddings request', async () => {
    // 1,000 tokens in o200k_base, × 1.1 for a model of no known family (the mock's `embed`).
    const input = Array.from({ length: 1000 }, () => 'hello').join(' ');
    const { data, response } = await client.embeddings.create({ model: 'priced-embed', input, encoding_format: 'float' }).withResponse();
    expect(data.usage.prompt_tokens).toBe(1100);
    expect(response.headers.get('x-gateway-cost')).toBe('0.0005500000');
    const requestId = response.headers.get('x-request-id');
    const { rows } = await harness.sql.query(
      'SELECT u.prompt_tokens, u.completion_tokens, u.cost::text AS cost, r.operation FROM usage u JOIN requests r ON r.id = u.request_id WHERE u.request_id = $1',
      [requestId],
    );
    expect(rows[0]).toEqual({ prompt_tokens: 1100, completion_tokens: 0, cost: '0.0005500000', operation: 'embeddings' });
  });

  it('shows embeddings in the usage API (by model, input tokens and cost) and in the request metrics by operation', async () => {
    const { key: usageKey } = await harness.createKey('embeddings-usage');
    const usageClient = new OpenAI({ apiKey: usageKey, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await usageClient.embeddings.create({
      model: 'priced-embed',
      input: [Array.from({ length: 100 }, () => 'yes').join(' '), Array.from({ length: 100 }, () => 'no').join(' ')],
      encoding_format: 'float',
    });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const usage = async () =>
      (await (await fetch(`${harness.url}/v1/usage?from=${from}&to=${to}&group_by=model`, { headers: { authorization: `Bearer ${usageKey}` } })).json()) as {
        data: Array<Record<string, any>>;
      };
    await expect.poll(async () => (await usage()).data.find((row) => row.model === 'priced-embed')?.requests, { timeout: 5000, interval: 50 }).toBe(1);
    const row = (await usage()).data.find((entry) => entry.model === 'priced-embed');
    // 100 tokens each, × 1.1.
    expect(row).toMatchObject({ requests: 1, errors: 0, input_tokens: 220, output_tokens: 0 });
    expect(Number(row?.cost)).toBeCloseTo(0.00011, 10);

    const metrics = await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })).text();
    expect(metrics).toMatch(/gateway_requests_total\{[^}]*operation="embeddings"[^}]*model="priced-embed"[^}]*\} [1-9]/);
  });

  it("counts an embeddings request's input tokens against the key's TPM limit", async () => {
    const { id, key: limitedKey } = await harness.createKey('embeddings-tpm');
    const limits = await fetch(`${harness.url}/admin/keys/${id}/limits`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tpm: 300 }),
    });
    expect(limits.status).toBe(200);
    // 220 tokens (100 words each, × 1.1 for the mock's model): within the limit; the next 220 are not.
    const texts = [Array.from({ length: 100 }, () => 'yes').join(' '), Array.from({ length: 100 }, () => 'no').join(' ')];
    const served = await postJson(`${harness.url}/v1/embeddings`, { model: 'mock-embed', input: texts }, limitedKey);
    expect(served.status).toBe(200);
    expect(served.body.usage.prompt_tokens).toBe(220);
    const refused = await postJson(`${harness.url}/v1/embeddings`, { model: 'mock-embed', input: texts }, limitedKey);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'tokens' });
    expect(refused.body.error.message).toContain('tokens per min (TPM): Limit 300, Requested ~220');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers a repeated request from the cache, and keeps chat and embeddings entries apart', async () => {
    const ask = () => client.embeddings.create({ model: 'cached-embed', input: ['cache me'], encoding_format: 'float' }).withResponse();
    const first = await ask();
    expect(first.response.headers.get('x-gateway-cache')).toBe('MISS');
    await expect.poll(async () => (await ask()).response.headers.get('x-gateway-cache'), { timeout: 5000, interval: 50 }).toBe('HIT');
    const hit = await ask();
    expect(hit.data.data).toEqual(first.data.data);
    expect(hit.response.headers.get('x-gateway-cost')).toBe('0');
  });

  it('runs as an async job, polled, with the vectors in the encoding asked for', async () => {
    const accepted = await postJson(`${harness.url}/v1/async/embeddings`, { model: 'mock-embed', input: ['later'], encoding_format: 'base64' }, key);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ object: 'embeddings.job', status: 'queued', model: 'mock-embed' });
    const read = async () => (await fetch(`${harness.url}/v1/async/embeddings/${accepted.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<Record<string, any>>;
    await expect.poll(async () => (await read()).status, { timeout: 10_000, interval: 50 }).toBe('completed');
    const job = await read();
    const bytes = Buffer.from(job.response.data[0].embedding as string, 'base64');
    const vector = Array.from({ length: 8 }, (_unused, index) => bytes.readFloatLE(index * 4));
    vector.forEach((value, index) => expect(value).toBeCloseTo(mockVector('embed', 'later', 8)[index]!, 6));
    // A chat job id is not an embeddings job.
    const chatJob = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }] }, key);
    const crossed = await fetch(`${harness.url}/v1/async/embeddings/${chatJob.body.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(crossed.status).toBe(404);
    const refused = await postJson(`${harness.url}/v1/async/embeddings`, { model: 'mock-echo', input: 'x' }, key);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'unsupported_capability', param: 'model' });
  });

  it('runs a file batch of embeddings lines with the SDK; a line that is not an embeddings request fails alone', async () => {
    const embed = (id: string, input: unknown) => ({ custom_id: id, method: 'POST', url: '/v1/embeddings', body: { model: 'mock-embed', input } });
    const lines = [
      embed('a', 'alpha'),
      embed('b', ['beta', 'gamma']),
      { custom_id: 'chat', method: 'POST', url: '/v1/chat/completions', body: { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] } },
      embed('empty', ''),
      embed('chat-model', 'x'),
    ].map((line) => (line.custom_id === 'chat-model' ? { ...line, body: { model: 'mock-echo', input: 'x' } } : line));
    const file = await client.files.create({ file: await toFile(Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n')), 'embed.jsonl'), purpose: 'batch' });

    // By default a batch with lines that cannot run is refused, naming them.
    const refused = await postJson(`${harness.url}/v1/batches`, { input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }, key);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_batch_lines');
    expect(refused.body.error.message).toMatch(/line 3 \(custom_id 'chat'\): invalid_request_body: url: '\/v1\/chat\/completions' does not match the batch's endpoint '\/v1\/embeddings'/);

    const created = await postJson(`${harness.url}/v1/batches`, { input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h', on_invalid_lines: 'fail_lines' }, key);
    expect(created.status).toBe(200);
    await expect.poll(async () => (await client.batches.retrieve(created.body.id)).status, { timeout: 15_000, interval: 50 }).toBe('completed');
    const done = await client.batches.retrieve(created.body.id);
    expect(done.endpoint).toBe('/v1/embeddings');
    expect(done.request_counts).toMatchObject({ total: 5, completed: 2, failed: 3 });
    const output = await readLines(done.output_file_id!);
    const byId = Object.fromEntries(output.map((line) => [line.custom_id, line]));
    expect(byId['a'].response.status_code).toBe(200);
    expect(byId['a'].response.body.data[0].embedding).toEqual(mockVector('embed', 'alpha', 8));
    expect(byId['b'].response.body.data.map((item: { index: number }) => item.index)).toEqual([0, 1]);
    const errors = Object.fromEntries((await readLines(done.error_file_id!)).map((line) => [line.custom_id, line]));
    expect(errors['chat'].error.code).toBe('invalid_request_body');
    expect(errors['empty'].error.message).toMatch(/^body\.input: /);
    expect(errors['chat-model'].error.code).toBe('unsupported_capability');
    const { rows } = await harness.sql.query("SELECT count(*)::int AS n FROM requests WHERE batch_id = $1 AND operation = 'embeddings'", [done.id]);
    expect(rows[0].n).toBe(5);
  });

  it('runs an inline embeddings batch', async () => {
    const requests = ['one', 'two', 'three'].map((text) => ({ custom_id: text, body: { model: 'mock-embed', input: text } }));
    const created = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/embeddings', completion_window: '24h' }, key);
    expect(created.status).toBe(200);
    await expect.poll(async () => (await client.batches.retrieve(created.body.id)).status, { timeout: 15_000, interval: 50 }).toBe('completed');
    const results = (await (await fetch(`${harness.url}/v1/batches/${created.body.id}/results`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, any>;
    expect(results.data.map((item: Record<string, any>) => [item.custom_id, item.response.body.data[0].embedding])).toEqual(
      ['one', 'two', 'three'].map((text) => [text, mockVector('embed', text, 8)]),
    );
    const bad = await postJson(`${harness.url}/v1/batches`, { requests: [{ custom_id: 'x', body: { model: 'mock-embed', messages: [] } }], endpoint: '/v1/embeddings' }, key);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request_body', param: 'requests[0]' });
    expect(bad.body.error.message).toMatch(/body\.input is missing/);
  });

  const readLines = async (fileId: string) =>
    (await (await client.files.content(fileId)).text())
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, any>);
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
