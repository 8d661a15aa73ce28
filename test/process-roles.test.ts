import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { providerQueueName } from '../src/queues/request-job.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName } from './support/test-services.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { queuePrefix } from '../src/queues/queue-prefix.ts';

const echo = (content: string) => ({ model: 'mock-echo', messages: [{ role: 'user', content }] });

describe('API and workers as separate processes', () => {
  const started: TestGateway[] = [];
  afterAll(async () => {
    for (const harness of started.reverse()) await harness.close();
  });

  it('every call goes through the queue: no worker, no answer; a worker process starts, answers flow', async () => {
    const database = await createTestDatabase('roles');
    const prefix = uniqueName('roles');
    const config = { server: { requestTimeoutMs: 700 }, providers: { mock: { type: 'mock' } }, models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } } };
    const api = await startTestGateway({ config, database, prefix, environment: { GATEWAY_ROLE: 'api' } });
    started.push(api);
    const { key } = await api.createKey();

    const unanswered = await postJson(`${api.url}/v1/chat/completions`, echo('anyone?'), key);
    expect(unanswered.status).toBe(504);
    // The job never started, so the timeout took it off the queue: nobody pays for it later.
    const queue = new Queue(providerQueueName('mock'), { connection: { url: testRedisUrl() }, prefix: queuePrefix(prefix, providerQueueName('mock')) });
    expect(await queue.getJobCounts('wait', 'active')).toEqual({ wait: 0, active: 0 });
    await queue.close();

    const worker = await startTestGateway({ config, database, prefix, environment: { GATEWAY_ROLE: 'worker' } });
    started.push(worker);
    expect(worker.gateway.app).toBeUndefined();
    const answered = await postJson(`${api.url}/v1/chat/completions`, echo('now?'), key);
    expect(answered.status).toBe(200);
    expect(answered.body.choices[0].message.content).toBe('now?');

    // Streams cross processes over Redis (no in-process hand-off here): chunks, usage, [DONE].
    const streamed = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...echo('across two processes'), stream: true, stream_options: { include_usage: true } }),
    });
    expect(streamed.status).toBe(200);
    const events = (await streamed.text()).split('\n\n').filter((event) => event.length > 0);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)) as { choices: Array<{ delta: { content?: string } }>; usage: unknown });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('across two processes');
    expect(chunks.at(-1)?.usage).toMatchObject({ total_tokens: expect.any(Number) });

    // Cleanup order: these two share a database and prefix, so drop them once at the end.
    started.length = 0;
    await worker.close();
    await api.close();
    await database.drop();
    await deleteRedisPrefix(prefix);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests and their jobs, records their usage, then closes', async () => {
    const harness = await startTestGateway({
      config: { providers: { mock: { type: 'mock', latencyMs: 400 } }, models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } } },
    });
    try {
      const { key } = await harness.createKey();
      const inFlight = Promise.all([1, 2, 3].map((n) => postJson(`${harness.url}/v1/chat/completions`, echo(`in flight ${n}`), key)));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const closed = harness.gateway.close();
      const responses = await inFlight;
      await closed;
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      const ids = responses.map((response) => response.headers.get('x-request-id'));
      const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE request_id = ANY($1)', [ids]);
      expect(rows[0].n).toBe(3);
      await expect(fetch(`${harness.url}/healthz`)).rejects.toThrow();
    } finally {
      await harness.close();
    }
  });
});

describe('shutdown with idle connections', () => {
  it('does not wait for a connection that never sent a request (a preconnect), yet finishes the one in flight', async () => {
    const harness = await startTestGateway({
      config: { providers: { mock: { type: 'mock', latencyMs: 300 } }, models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } } },
    });
    try {
      const { key } = await harness.createKey();
      const { port } = new URL(harness.url);
      const silent = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => silent.once('connect', resolve));
      const inFlight = postJson(`${harness.url}/v1/chat/completions`, echo('still answered'), key);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const startedAt = Date.now();
      await harness.gateway.close();
      // Node's own headers timeout (60 s) would have held the close without the drain.
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect((await inFlight).status).toBe(200);
      expect(silent.destroyed || silent.readableEnded).toBe(true);
    } finally {
      await harness.close();
    }
  });
});

describe('REDIS_URL with a database index', () => {
  it('keeps every key in that Redis database', async () => {
    const url = new URL(testRedisUrl());
    url.pathname = '/7';
    const harness = await startTestGateway({ environment: { REDIS_URL: url.toString() } });
    const db7 = new Redis(url.toString());
    const db0 = new Redis(testRedisUrl());
    try {
      const { key } = await harness.createKey();
      expect((await postJson(`${harness.url}/v1/chat/completions`, echo('which db?'), key)).status).toBe(200);
      expect((await db7.keys(`${harness.prefix}:*`)).length).toBeGreaterThan(0);
      const defaultIndex = Number(new URL(testRedisUrl()).pathname.slice(1) || 0);
      if (defaultIndex !== 7) expect(await db0.keys(`${harness.prefix}:*`)).toEqual([]);
    } finally {
      await harness.close();
      await deleteRedisPrefix(harness.prefix, url.toString());
      await db7.quit();
      await db0.quit();
    }
  });
});

describe('health and readiness', () => {
  it('answers /healthz and /readyz with every check ok', async () => {
    const harness = await startTestGateway();
    try {
      const health = await fetch(`${harness.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${harness.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' } });
      const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(rows[0].n).toBeGreaterThan(0);

      // A database behind this build's migrations is not ready.
      await harness.sql.query('DELETE FROM drizzle.__drizzle_migrations');
      const behind = await fetch(`${harness.url}/readyz`);
      expect(behind.status).toBe(503);
      expect(await behind.json()).toEqual({ status: 'not_ready', checks: { postgres: 'ok', redis: 'ok', migrations: 'failing' } });
    } finally {
      await harness.close();
    }
  });
});

describe('probes of a worker-role process', () => {
  it('answers /healthz and /readyz on METRICS_PORT, as the API port does', async () => {
    const harness = await startTestGateway({ environment: { GATEWAY_ROLE: 'worker', METRICS_PORT: '0' } });
    try {
      const base = harness.gateway.metricsUrl ?? '';
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${base}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' } });
      // A database behind this build's migrations is not ready, here too.
      await harness.sql.query('DELETE FROM drizzle.__drizzle_migrations');
      const behind = await fetch(`${base}/readyz`);
      expect(behind.status).toBe(503);
      expect(await behind.json()).toMatchObject({ status: 'not_ready', checks: { migrations: 'failing' } });
    } finally {
      await harness.close();
    }
  });
});
