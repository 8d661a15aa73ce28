import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** The chat path end to end: API → BullMQ provider queue → worker → OpenAI-wire server → Postgres. */
describe('POST /v1/chat/completions through the queue', () => {
  const upstream = new OpenAIWireServer();
  let harness: TestGateway;
  let key: string;
  let projectId: string;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      config: {
        server: { requestTimeoutMs: 1000 },
        providers: {
          openai: { type: 'openai', baseUrl, apiKey: 'sk-upstream-secret', concurrency: 8, maxAttempts: 3, retryBaseDelayMs: 10 },
          slow: { type: 'mock', latencyMs: 2500 },
          paced: { type: 'mock', latencyMs: 80 },
        },
        models: {
          'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          'priced-model': {
            routes: [{ provider: 'openai', model: 'gpt-4o-mini', pricing: { inputPerMillion: '1.5', outputPerMillion: '6' } }],
          },
          'slow-model': { routes: [{ provider: 'slow', model: 'echo' }] },
          'paced-model': { routes: [{ provider: 'paced', model: 'echo' }] },
        },
      },
    });
    const created = await harness.createKey('chat-project');
    key = created.key;
    projectId = created.project_id;
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const chat = (body: unknown, apiKey: string | undefined = key) => postJson(`${harness.url}/v1/chat/completions`, body, apiKey);

  it('forwards the request in OpenAI wire format and answers the exact chat.completion with x-request-id', async () => {
    const response = await chat({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      temperature: 0.2,
      some_vendor_field: { keep: true },
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.body).toMatchObject({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'chat.completion',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'echo: Hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 },
      system_fingerprint: 'fp_06737a9306',
      service_tier: 'default',
    });

    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect(sent.headers['x-client-request-id']).toBe(requestId);
    expect(sent.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      temperature: 0.2,
      some_vendor_field: { keep: true },
    });
  });

  it('says in Server-Timing where the time went: enqueue, queue, prepare, limits, provider, record', async () => {
    const response = await chat({ model: 'paced-model', messages: [{ role: 'user', content: 'Hello' }] });
    expect(response.status).toBe(200);
    const parts = (response.headers.get('server-timing') ?? '').split(', ').map((part) => {
      const [name, duration] = part.split(';dur=');
      return [name, Number(duration)] as const;
    });
    expect(parts.map(([name]) => name)).toEqual(['gateway', 'enqueue', 'queue', 'prepare', 'limits', 'provider', 'record']);
    for (const [, ms] of parts) expect(ms).toBeGreaterThanOrEqual(0);
    const timing = Object.fromEntries(parts);
    // The mock answers after 80 ms: that is the provider's part, not another's.
    expect(timing.provider).toBeGreaterThanOrEqual(79);
    expect(timing.provider).toBeLessThan(timing.gateway!);
    const sum = parts.slice(1).reduce((total, [, ms]) => total + ms, 0);
    // The parts follow one another within the gateway's own time (one process here).
    expect(sum).toBeLessThanOrEqual(timing.gateway! + 0.01);
    expect(sum).toBeGreaterThan(timing.gateway! * 0.5);
  });

  it('records the request and its usage with cost in Postgres', async () => {
    const response = await chat({ model: 'priced-model', messages: [{ role: 'user', content: 'price me' }] });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const { rows: requestRows } = await harness.sql.query('SELECT * FROM requests WHERE id = $1', [requestId]);
    expect(requestRows).toHaveLength(1);
    expect(requestRows[0]).toMatchObject({
      project_id: projectId,
      kind: 'sync',
      status: 'completed',
      model: 'priced-model',
      provider: 'openai',
      upstream_model: 'gpt-4o-mini',
      attempts: 1,
      status_code: 200,
    });
    expect(requestRows[0].response.choices[0].message.content).toBe('echo: price me');
    expect(requestRows[0].completed_at.getTime()).toBeGreaterThanOrEqual(requestRows[0].started_at.getTime());

    const { rows: usageRows } = await harness.sql.query('SELECT * FROM usage WHERE request_id = $1', [requestId]);
    expect(usageRows).toHaveLength(1);
    expect(response.headers.get('x-gateway-cost')).toBe('0.0000885000');
    expect(response.body.usage.cost).toBe(0.0000885);
    // 19 prompt tokens at $1.5/M + 10 completion tokens at $6/M = 0.0000285 + 0.00006
    expect(usageRows[0]).toMatchObject({
      project_id: projectId,
      model: 'priced-model',
      provider: 'openai',
      upstream_model: 'gpt-4o-mini',
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      cost: '0.0000885000',
    });
  });

  it('retries a retryable provider failure and bills the request exactly once', async () => {
    upstream.enqueue(openaiError(500, { message: 'The server had an error', type: 'server_error' }));
    upstream.enqueue(openaiError(429, { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after-ms': '20' }));
    const response = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'third time lucky' }] });
    expect(response.status).toBe(200);
    expect(upstream.requests).toHaveLength(3);
    const requestId = response.headers.get('x-request-id');
    const { rows } = await harness.sql.query('SELECT attempts, status FROM requests WHERE id = $1', [requestId]);
    expect(rows).toEqual([{ attempts: 3, status: 'completed' }]);
    const { rows: usageRows } = await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE request_id = $1', [requestId]);
    expect(usageRows[0].n).toBe(1);
  });

  it('answers 502 with the provider message kept when retries run out, and records the failure without usage', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      upstream.enqueue(openaiError(503, { message: 'Engine overloaded, try later', type: 'server_error' }));
    }
    const response = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'doomed' }] });
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ type: 'api_error', code: 'provider_error', param: null });
    expect(response.body.error.message).toContain('Engine overloaded, try later');
    expect(upstream.requests).toHaveLength(3);
    const requestId = response.headers.get('x-request-id');
    const { rows } = await harness.sql.query('SELECT status, status_code, attempts, error_message FROM requests WHERE id = $1', [requestId]);
    expect(rows[0]).toMatchObject({ status: 'failed', status_code: 502, attempts: 3 });
    expect(rows[0].error_message).toContain('Engine overloaded');
    const { rows: usageRows } = await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE request_id = $1', [requestId]);
    expect(usageRows[0].n).toBe(0);
  });

  it('does not retry a provider 400 and passes its validation error through', async () => {
    upstream.enqueue(openaiError(400, { message: "Invalid value for 'max_tokens': too large.", type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_value' }));
    const response = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_tokens: 100_000 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { message: "Invalid value for 'max_tokens': too large.", type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_value' },
    });
    expect(upstream.requests).toHaveLength(1);
  });

  it('does not leak a provider 401 as the caller’s 401', async () => {
    upstream.enqueue(openaiError(401, { message: 'Incorrect API key provided: sk-upstr***', type: 'invalid_request_error', code: 'invalid_api_key' }));
    const response = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('provider_auth_error');
    expect(upstream.requests).toHaveLength(1);
  });

  it('answers 504 when the job does not finish within the request timeout', async () => {
    const response = await chat({ model: 'slow-model', messages: [{ role: 'user', content: 'wait' }] });
    expect(response.status).toBe(504);
    expect(response.body.error).toMatchObject({ type: 'timeout_error', code: 'request_timeout', param: null });
  });

  it('reaches a provider directly as provider/model', async () => {
    const response = await chat({ model: 'openai/gpt-4.1-mini', messages: [{ role: 'user', content: 'direct' }] });
    expect(response.status).toBe(200);
    expect((upstream.requests[0]!.body as { model: string }).model).toBe('gpt-4.1-mini');
    const { rows } = await harness.sql.query('SELECT cost FROM usage WHERE request_id = $1', [response.headers.get('x-request-id')]);
    // gpt-4.1-mini list price: $0.40/M in, $1.60/M out → 19 × 0.4 + 10 × 1.6 = 23.6 per million
    expect(rows[0].cost).toBe('0.0000236000');
  });
});
