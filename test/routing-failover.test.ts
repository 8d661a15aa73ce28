import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RouteAttempt } from '../src/routing/route-attempts.ts';
import { OpenAIWireServer, echoCompletion, openaiError, type RecordedRequest } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

const serverError = () => openaiError(503, { message: 'Engine overloaded', type: 'server_error' });
const rateLimited = (headers: Record<string, string> = { 'retry-after-ms': '10' }) => openaiError(429, { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }, headers);

/** Sync calls over two OpenAI-wire providers: retries, fallback and what the client sees of it. */
describe('routing: retries and fallback', () => {
  const primary = new OpenAIWireServer();
  const backup = new OpenAIWireServer();
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    const [primaryUrl, backupUrl, port] = await Promise.all([primary.start(), backup.start(), closedPort()]);
    const openai = (baseUrl: string, extra: Record<string, unknown> = {}) => ({ type: 'openai', baseUrl, maxAttempts: 2, retryBaseDelayMs: 10, ...extra });
    harness = await startTestGateway({
      config: {
        server: { requestTimeoutMs: 2000 },
        providers: {
          primary: openai(primaryUrl, { timeoutMs: 300 }),
          backup: openai(backupUrl),
          closed: openai(`http://127.0.0.1:${port}/v1`, { maxAttempts: 1 }),
          slow: openai(primaryUrl, { timeoutMs: 10_000, maxAttempts: 1 }),
          // Its own name, so the pause a long Retry-After puts on it holds up no other test.
          limited: openai(primaryUrl),
        },
        models: {
          chain: {
            routes: [
              { provider: 'primary', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'gpt-4o-mini' },
            ],
          },
          'refused-first': {
            routes: [
              { provider: 'closed', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'gpt-4o-mini' },
            ],
          },
          'slow-first': {
            routes: [
              { provider: 'slow', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'gpt-4o-mini' },
            ],
          },
          'limited-first': {
            routes: [
              { provider: 'limited', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'gpt-4o-mini' },
            ],
          },
        },
        routing: { maxSlotWaitMs: 500 },
        // Breakers have their own file; here every failure must reach the route it is scripted for.
        breakers: { enabled: false },
      },
    });
    key = (await harness.createKey('routing')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([primary.stop(), backup.stop()]);
  });
  beforeEach(() => {
    primary.requests.length = 0;
    backup.requests.length = 0;
  });

  const chat = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    postJson(`${harness.url}/v1/chat/completions`, { model: 'chain', messages: [{ role: 'user', content: 'hello' }], ...body }, key, headers);
  const stored = async (requestId: string | null) =>
    (await harness.sql.query('SELECT status, provider, upstream_model, attempts, error_code, route_attempts FROM requests WHERE id = $1', [requestId])).rows[0] as {
      status: string;
      provider: string;
      attempts: number;
      error_code: string | null;
      route_attempts: RouteAttempt[];
    };
  const billed = async (requestId: string | null) => (await harness.sql.query('SELECT provider FROM usage WHERE request_id = $1', [requestId])).rows as Array<{ provider: string }>;

  it('falls back on 429 after the route’s retries, billing only the serving route', async () => {
    primary.enqueue(rateLimited(), rateLimited());
    const response = await chat();
    expect(response.status).toBe(200);
    expect(primary.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(1);
    expect(response.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
    expect(response.headers.get('x-gateway-attempts')).toBe('3');
    const requestId = response.headers.get('x-request-id');
    const row = await stored(requestId);
    expect(row).toMatchObject({ status: 'completed', provider: 'backup', attempts: 3 });
    expect(row.route_attempts).toEqual([
      { provider: 'primary', model: 'gpt-4o-mini', outcome: 'failed', status: 429, code: 'rate_limit_exceeded', message: 'Rate limit reached', latencyMs: expect.any(Number) },
      { provider: 'primary', model: 'gpt-4o-mini', outcome: 'failed', status: 429, code: 'rate_limit_exceeded', message: 'Rate limit reached', latencyMs: expect.any(Number) },
      { provider: 'backup', model: 'gpt-4o-mini', outcome: 'completed', status: 200, code: null, message: null, latencyMs: expect.any(Number) },
    ]);
    expect(await billed(requestId)).toEqual([{ provider: 'backup' }]);
  });

  it('falls back on 5xx', async () => {
    primary.enqueue(serverError(), serverError());
    const response = await chat();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
    expect((await stored(response.headers.get('x-request-id'))).route_attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200]);
  });

  it('falls back when the provider times out', async () => {
    const late = (request: RecordedRequest) => ({ ...echoCompletion(request), delayMs: 1000 });
    primary.enqueue(late, late);
    const response = await chat();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
    const trail = (await stored(response.headers.get('x-request-id'))).route_attempts;
    expect(trail.map((attempt) => [attempt.provider, attempt.status, attempt.code])).toEqual([
      ['primary', null, 'timeout'],
      ['primary', null, 'timeout'],
      ['backup', 200, null],
    ]);
  });

  it('falls back when the connection is refused', async () => {
    const response = await chat({ model: 'refused-first' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
    const [refused] = (await stored(response.headers.get('x-request-id'))).route_attempts;
    expect(refused).toMatchObject({ provider: 'closed', outcome: 'failed', status: null, code: 'ECONNREFUSED' });
  });

  it('does not fall back on a 400: the provider’s validation error comes back as it is', async () => {
    const invalid = { message: "Invalid value for 'temperature'.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' };
    primary.enqueue(openaiError(400, invalid));
    const response = await chat();
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: invalid });
    expect(backup.requests).toHaveLength(0);
    expect(primary.requests).toHaveLength(1);
    expect(response.headers.get('x-gateway-route')).toBe('primary/gpt-4o-mini');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
  });

  it('falls back at once on a context-length error, which a larger model may serve', async () => {
    primary.enqueue(openaiError(400, { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' }));
    const response = await chat();
    expect(response.status).toBe(200);
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(1);
  });

  it('waits out Retry-After before retrying the same route', async () => {
    const seenAt: number[] = [];
    primary.enqueue(
      () => {
        seenAt.push(Date.now());
        return rateLimited({ 'retry-after-ms': '300' });
      },
      (request) => {
        seenAt.push(Date.now());
        return echoCompletion(request);
      },
    );
    const response = await chat();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-route')).toBe('primary/gpt-4o-mini');
    expect(seenAt[1]! - seenAt[0]!).toBeGreaterThanOrEqual(290);
  });

  it('falls back at once when Retry-After is longer than routing.maxRetryAfterMs', async () => {
    primary.enqueue(rateLimited({ 'retry-after': '120' }));
    const response = await chat({ model: 'limited-first' });
    expect(response.status).toBe(200);
    expect(primary.requests).toHaveLength(1);
    expect(response.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
  });

  it('moves on after routing.maxSlotWaitMs while the provider is paused after that 429', async () => {
    const response = await chat({ model: 'limited-first' });
    expect(response.status).toBe(200);
    expect(primary.requests).toHaveLength(0);
    expect(response.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
    const [busy] = (await stored(response.headers.get('x-request-id'))).route_attempts;
    expect(busy).toMatchObject({ provider: 'limited', outcome: 'skipped', code: 'route_busy' });
  });

  it('ends a chain where every route fails with one error listing each attempt, with the last code', async () => {
    primary.enqueue(serverError(), serverError());
    backup.enqueue(rateLimited(), rateLimited());
    const response = await chat();
    expect(response.status).toBe(429);
    expect(response.body.error.code).toBe('provider_rate_limited');
    const message: string = response.body.error.message;
    expect(message).toContain("Every route of 'chain' failed");
    expect(message).toContain('1) primary/gpt-4o-mini: HTTP 503');
    expect(message).toContain('2) primary/gpt-4o-mini: HTTP 503');
    expect(message).toContain('3) backup/gpt-4o-mini: HTTP 429 rate_limit_exceeded');
    expect(message).toContain('4) backup/gpt-4o-mini: HTTP 429');
    expect(response.headers.get('x-gateway-attempts')).toBe('4');
    const requestId = response.headers.get('x-request-id');
    const row = await stored(requestId);
    // The record keeps the code the client read; each attempt keeps the provider's own code.
    expect(row).toMatchObject({ status: 'failed', provider: 'backup', attempts: 4, error_code: 'provider_rate_limited' });
    expect(row.route_attempts[3]).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(row.route_attempts).toHaveLength(4);
    expect(await billed(requestId)).toEqual([]);
  });

  it('does not fall back with x-gateway-fallback: off', async () => {
    primary.enqueue(serverError(), serverError());
    const response = await chat({}, { 'x-gateway-fallback': 'off' });
    expect(response.status).toBe(502);
    expect(response.body.error.message).toContain('Engine overloaded');
    expect(primary.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(0);
  });

  it('pins a provider with x-gateway-provider, or a body provider that is not sent upstream', async () => {
    const byHeader = await chat({}, { 'x-gateway-provider': 'backup' });
    expect(byHeader.status).toBe(200);
    const byBody = await chat({ provider: 'backup' });
    expect(byBody.status).toBe(200);
    expect(primary.requests).toHaveLength(0);
    expect(backup.requests).toHaveLength(2);
    expect(backup.requests[1]!.body).not.toHaveProperty('provider');
    expect(byBody.headers.get('x-gateway-route')).toBe('backup/gpt-4o-mini');
  });

  it('refuses a pin the model has no route for, and a fallback header it cannot read', async () => {
    const unknown = await chat({}, { 'x-gateway-provider': 'closed' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'provider_not_routable', param: 'provider' });
    expect(unknown.body.error.message).toContain('primary, backup');
    const unreadable = await chat({}, { 'x-gateway-fallback': 'sometimes' });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error.param).toBe('x-gateway-fallback');
  });

  it('starts no hop past the request’s deadline', async () => {
    primary.enqueue((request) => ({ ...echoCompletion(request), delayMs: 4000 }));
    const response = await chat({ model: 'slow-first' });
    expect(response.status).toBe(504);
    expect(response.body.error.code).toBe('request_timeout');
    await sleep(300);
    expect(backup.requests).toHaveLength(0);
    await expect.poll(async () => (await stored(response.headers.get('x-request-id')))?.status, { timeout: 3000, interval: 50 }).toBe('failed');
  });
});
