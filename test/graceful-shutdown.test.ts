import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildrenNow } from '../bench/processes.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.ts';
import { testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';

/**
 * A deploy under load: SIGTERM (to the process, or to its whole process group as `docker stop` and a
 * Kubernetes rollout deliver it, sometimes twice) while 100 sync calls are in flight, 32 at the
 * provider and the rest queued. Every call must be answered 200 and billed once.
 */
const calls = 100;
const config = (shutdownTimeoutMs: number, latencyMs = 300, extra: { drainDelayMs?: number; concurrency?: number } = {}) => ({
  server: { shutdownTimeoutMs, drainDelayMs: extra.drainDelayMs ?? 0 },
  providers: { mock: { type: 'mock', latencyMs, concurrency: extra.concurrency ?? 32, timeoutMs: 20_000 } },
  models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing: { inputPerMillion: '1', outputPerMillion: '2' } } },
  durability: { jobLockMs: 3000 },
});

describe('graceful shutdown under load', () => {
  let directory: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'shutdown-'));
  });
  afterAll(async () => {
    killChildrenNow();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  });

  async function scratch(label: string): Promise<{ database: TestDatabase; prefix: string; sql: pg.Pool }> {
    const database = await createTestDatabase(label);
    const prefix = uniqueName(label);
    const sql = new pg.Pool({ connectionString: database.url, max: 2 });
    sql.on('error', () => undefined);
    sql.on('connect', (client) => client.on('error', () => undefined));
    cleanups.push(
      () => database.drop(),
      () => deleteRedisPrefix(prefix),
      () => sql.end(),
    );
    return { database, prefix, sql };
  }

  async function start(
    name: string,
    role: 'api' | 'worker' | 'all',
    shared: { database: TestDatabase; prefix: string },
    shutdownTimeoutMs = 30_000,
    latencyMs = 300,
    extra: { drainDelayMs?: number; concurrency?: number; environment?: Record<string, string> } = {},
  ) {
    const gateway = await startGatewayProcess({
      name,
      role,
      config: config(shutdownTimeoutMs, latencyMs, extra),
      directory,
      databaseUrl: shared.database.url,
      redisUrl: testRedisUrl(),
      prefix: shared.prefix,
      ...(extra.environment ? { environment: extra.environment } : {}),
    });
    cleanups.push(async () => {
      try {
        process.kill(gateway.child.pid, 'SIGKILL');
      } catch {
        // exited
      }
    });
    return gateway;
  }

  async function createKey(api: GatewayProcess): Promise<string> {
    const response = await fetch(`${api.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'load', project: 'load' }),
    });
    return ((await response.json()) as { key: string }).key;
  }

  /** `count` calls at once, each on its own connection (as that many clients would), settled with their outcome. */
  function fireCalls(api: GatewayProcess, key: string, count = calls) {
    const dispatcher = new Agent({ connections: count, keepAliveTimeout: 60_000 });
    const results = Array.from({ length: count }, async (_unused, index) => {
      try {
        const response = await fetch(`${api.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: `call ${index}` }] }),
          // @ts-expect-error undici's dispatcher option on Node's fetch
          dispatcher,
        });
        const body = (await response.json()) as { choices?: Array<{ message: { content: string } }>; error?: { code: string } };
        return { status: response.status, content: body.choices?.[0]?.message.content ?? body.error?.code, id: response.headers.get('x-request-id') };
      } catch (error) {
        return { status: 0, content: String((error as Error).cause ?? error), id: null };
      }
    });
    return Promise.all(results).finally(() => dispatcher.close());
  }

  async function expectAllAnsweredOnce(results: Awaited<ReturnType<typeof fireCalls>>, sql: pg.Pool) {
    const failures = results.filter((result) => result.status !== 200);
    expect(failures).toEqual([]);
    expect(results.map((result) => result.content)).toEqual(Array.from({ length: calls }, (_unused, index) => `call ${index}`));
    const { rows } = await sql.query('SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS distinct_ids FROM usage WHERE request_id = ANY($1)', [results.map((result) => result.id)]);
    expect(rows[0]).toEqual({ n: calls, distinct_ids: calls });
  }

  /** Waits until the calls are in: 32 at the provider, the rest queued. */
  const inFlight = () => sleep(150);

  it('role all: SIGTERM to the whole process group, twice (npm forwards it again) → /readyz says draining at once, every call answered, a clean exit', async () => {
    const shared = await scratch('sdall');
    const gateway = await start('all', 'all', shared, 30_000, 300, { drainDelayMs: 800 });
    const key = await createKey(gateway);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    const results = fireCalls(gateway, key);
    await inFlight();
    process.kill(-gateway.child.pid, 'SIGTERM');
    await sleep(20);
    process.kill(gateway.child.pid, 'SIGTERM');
    // Within the drain delay the listener still answers: readiness tells load balancers to stop routing.
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { status: string }).status).toBe('draining');
    await expectAllAnsweredOnce(await results, shared.sql);
    expect(await gateway.exited).toBe(0);
  });

  it('role all, drain deadline before the queue empties: running calls go back to the queue, waiting callers get 503 (never a reset), nothing unanswered is billed', async () => {
    const shared = await scratch('sddeadline');
    // 4 calls of 1 s at a time, 20 queued, a drain of 1.5 s: the queue cannot empty in time.
    const gateway = await start('all', 'all', shared, 1500, 1000, { concurrency: 4 });
    const key = await createKey(gateway);
    const deadlineLine = gateway.child.waitForLine(/drain deadline reached/, 20_000);
    const results = fireCalls(gateway, key, 20);
    await inFlight();
    process.kill(gateway.child.pid, 'SIGTERM');
    const answers = await results;
    await deadlineLine;
    expect(await gateway.exited).toBe(0);
    const served = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.map((answer) => [answer.status, answer.content])).toEqual(refused.map(() => [503, 'service_unavailable']));
    const { rows } = await shared.sql.query('SELECT request_id FROM usage');
    expect(rows.map((row) => row.request_id).sort()).toEqual(served.map((answer) => answer.id).sort());
  });

  it('split roles: SIGTERM to the API while workers run → every call it accepted is answered', async () => {
    const shared = await scratch('sdapi');
    const api = await start('api', 'api', shared);
    await start('worker-1', 'worker', shared);
    const key = await createKey(api);
    const results = fireCalls(api, key);
    await inFlight();
    process.kill(-api.child.pid, 'SIGTERM');
    await expectAllAnsweredOnce(await results, shared.sql);
    expect(await api.exited).toBe(0);
  });

  it('split roles: SIGTERM to a worker mid-call (shutdownTimeoutMs shorter than the calls) → its jobs go back to the queue and another worker answers them', async () => {
    const shared = await scratch('sdworker');
    // Calls of 2 s, a drain of 0.5 s: the first worker cannot finish what it holds and must hand it back.
    const api = await start('api', 'api', shared, 30_000, 2000);
    const first = await start('worker-1', 'worker', shared, 500, 2000);
    const second = await start('worker-2', 'worker', shared, 30_000, 2000);
    const key = await createKey(api);
    const results = fireCalls(api, key);
    // Both workers hold calls now, each 2 s long.
    await sleep(700);
    const handedBack = first.child.waitForLine(/drain deadline reached: handing unfinished jobs back/, 20_000);
    const signalledAt = Date.now();
    process.kill(-first.child.pid, 'SIGTERM');
    await handedBack;
    expect(await first.exited).toBe(0);
    // It did not wait for its 2 s calls: they went back to the queue.
    expect(Date.now() - signalledAt).toBeLessThan(4000);
    await expectAllAnsweredOnce(await results, shared.sql);
    expect(second.child.process.exitCode).toBeNull();
  });
});
