import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RouteAttempt } from '../src/routing/route-attempts.ts';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

const serverError = () => openaiError(503, { message: 'Engine overloaded', type: 'server_error' });

interface BreakerView {
  provider: string;
  model: string | null;
  state: string;
  requests: number;
  failures: number;
}

/** Circuit breakers, weighted routes, and fallback for async jobs and batch lines, end to end. */
describe('routing: breakers, weights, async and batch fallback', () => {
  const flaky = new OpenAIWireServer();
  const steady = new OpenAIWireServer();
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    const [flakyUrl, steadyUrl] = await Promise.all([flaky.start(), steady.start()]);
    const openai = (baseUrl: string) => ({ type: 'openai', baseUrl, maxAttempts: 1 });
    harness = await startTestGateway({
      config: {
        providers: { flaky: openai(flakyUrl), steady: openai(steadyUrl), first: openai(flakyUrl), second: openai(steadyUrl) },
        models: {
          guarded: {
            routes: [
              { provider: 'flaky', model: 'gpt-4o-mini' },
              { provider: 'steady', model: 'gpt-4o-mini' },
            ],
          },
          balanced: {
            strategy: 'weighted',
            routes: [
              { provider: 'first', model: 'gpt-4o-mini', weight: 3 },
              { provider: 'second', model: 'gpt-4o-mini', weight: 1 },
            ],
          },
          chain: {
            routes: [
              { provider: 'first', model: 'gpt-4o-mini' },
              { provider: 'second', model: 'gpt-4o-mini' },
            ],
          },
        },
        // Short, so a test sees the breaker open, half-open and close; only `flaky` is judged.
        breakers: { failureRate: 0.5, minRequests: 3, windowMs: 60_000, cooldownMs: 400, providers: { first: { enabled: false }, second: { enabled: false } } },
      },
    });
    key = (await harness.createKey('breakers')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([flaky.stop(), steady.stop()]);
  });
  beforeEach(() => {
    flaky.requests.length = 0;
    steady.requests.length = 0;
  });

  const chat = (model: string, body: Record<string, unknown> = {}) => postJson(`${harness.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hello' }], ...body }, key);
  const breakers = async (): Promise<BreakerView[]> => {
    const response = await fetch(`${harness.url}/admin/breakers`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: BreakerView[] }).data;
  };
  const breakerOf = async (provider: string, model: string | null = null) => (await breakers()).find((breaker) => breaker.provider === provider && breaker.model === model);
  const trailOf = async (requestId: string | null) => (await harness.sql.query('SELECT route_attempts FROM requests WHERE id = $1', [requestId])).rows[0]?.route_attempts as RouteAttempt[] | undefined;

  it('opens after the failure rate, then skips the route at once; half-opens after the cooldown; a probe success closes it', async () => {
    for (let call = 0; call < 3; call += 1) {
      flaky.enqueue(serverError());
      const response = await chat('guarded');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-route')).toBe('steady/gpt-4o-mini');
    }
    expect(await breakerOf('flaky')).toMatchObject({ state: 'open', requests: 3, failures: 3 });
    expect(await breakerOf('flaky', 'gpt-4o-mini')).toMatchObject({ state: 'open' });

    // Open: the broken provider is not called at all; the trail says why it was passed over.
    flaky.requests.length = 0;
    const skipped = await chat('guarded');
    expect(skipped.status).toBe(200);
    expect(flaky.requests).toHaveLength(0);
    expect(skipped.headers.get('x-gateway-attempts')).toBe('1');
    expect((await trailOf(skipped.headers.get('x-request-id')))?.map((attempt) => [attempt.provider, attempt.outcome, attempt.code])).toEqual([
      ['flaky', 'skipped', 'circuit_open'],
      ['steady', 'completed', null],
    ]);

    await sleep(450);
    expect((await breakerOf('flaky'))?.state).toBe('half_open');
    const probe = await chat('guarded');
    expect(probe.status).toBe(200);
    expect(probe.headers.get('x-gateway-route')).toBe('flaky/gpt-4o-mini');
    expect(flaky.requests).toHaveLength(1);
    expect(await breakerOf('flaky')).toMatchObject({ state: 'closed', requests: 0, failures: 0 });
  });

  it('re-opens when the half-open probe fails', async () => {
    for (let call = 0; call < 3; call += 1) {
      flaky.enqueue(serverError());
      await chat('guarded');
    }
    expect((await breakerOf('flaky'))?.state).toBe('open');
    await sleep(450);
    flaky.enqueue(serverError());
    const probe = await chat('guarded');
    expect(probe.status).toBe(200);
    expect(probe.headers.get('x-gateway-route')).toBe('steady/gpt-4o-mini');
    expect((await breakerOf('flaky'))?.state).toBe('open');
    flaky.requests.length = 0;
    await chat('guarded');
    expect(flaky.requests).toHaveLength(0);
    await sleep(450);
    expect((await chat('guarded')).headers.get('x-gateway-route')).toBe('flaky/gpt-4o-mini');
  });

  it('answers no_route_available when every route of the model is open (a pin to it)', async () => {
    for (let call = 0; call < 3; call += 1) {
      flaky.enqueue(serverError());
      await chat('guarded');
    }
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'guarded', messages: [{ role: 'user', content: 'x' }] }, key, { 'x-gateway-provider': 'flaky' });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('no_route_available');
    expect(response.body.error.message).toContain('flaky/gpt-4o-mini');
    await sleep(450);
    await chat('guarded', {});
  });

  it('does not count a client error against the breaker', async () => {
    for (let call = 0; call < 4; call += 1) flaky.enqueue(openaiError(400, { message: 'bad', type: 'invalid_request_error' }));
    for (let call = 0; call < 4; call += 1) expect((await chat('guarded')).status).toBe(400);
    expect((await breakerOf('flaky'))?.state).toBe('closed');
  });

  it('lists breakers only for the admin key', async () => {
    const response = await fetch(`${harness.url}/admin/breakers`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(401);
  });

  it('splits traffic by weight, within tolerance over 100 requests', async () => {
    const responses = [];
    for (let round = 0; round < 10; round += 1) responses.push(...(await Promise.all(Array.from({ length: 10 }, () => chat('balanced')))));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const first = responses.filter((response) => response.headers.get('x-gateway-route') === 'first/gpt-4o-mini').length;
    // 75 expected; the binomial standard deviation is 4.3.
    expect(first).toBeGreaterThanOrEqual(58);
    expect(first).toBeLessThanOrEqual(92);
    expect(flaky.requests.length + steady.requests.length).toBe(100);
  });

  it('falls back for an async job, keeping the trail', async () => {
    flaky.enqueue(serverError());
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'chain', messages: [{ role: 'user', content: 'later' }] }, key);
    expect(accepted.status).toBe(202);
    const poll = async () => (await (await fetch(`${harness.url}/v1/async/chat/completions/${accepted.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string };
    await expect.poll(async () => (await poll()).status, { timeout: 5000, interval: 20 }).toBe('completed');
    expect((await trailOf(accepted.body.id))?.map((attempt) => [attempt.provider, attempt.status])).toEqual([
      ['first', 503],
      ['second', 200],
    ]);
  });

  it('falls back for a batch line, in process', async () => {
    flaky.enqueue(serverError());
    const created = await postJson(
      `${harness.url}/v1/batches`,
      {
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        requests: [{ custom_id: 'only', body: { model: 'chain', messages: [{ role: 'user', content: 'batched' }] } }],
      },
      key,
    );
    expect(created.status).toBe(200);
    const status = async () =>
      (await (await fetch(`${harness.url}/v1/batches/${created.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string; request_counts: { completed: number } };
    await expect.poll(async () => (await status()).status, { timeout: 10_000, interval: 50 }).toBe('completed');
    expect((await status()).request_counts.completed).toBe(1);
    const { rows } = await harness.sql.query('SELECT provider, attempts, route_attempts FROM requests WHERE batch_id = $1', [created.body.id]);
    expect(rows[0]).toMatchObject({ provider: 'second', attempts: 2 });
    expect((rows[0].route_attempts as RouteAttempt[]).map((attempt) => [attempt.provider, attempt.outcome, attempt.status])).toEqual([
      ['first', 'failed', 503],
      ['second', 'completed', 200],
    ]);
    const { rows: usageRows } = await harness.sql.query('SELECT provider FROM usage WHERE batch_id = $1', [created.body.id]);
    expect(usageRows).toEqual([{ provider: 'second' }]);
  });
});
