import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killChildrenNow, waitUntil } from '../bench/processes.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import { parseLogLines, startStartingGateway } from './support/starting-gateway.ts';
import { postJson, testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';

/**
 * Starting while Postgres or Redis is away: the process listens at once (/healthz 200, /readyz 503
 * naming what it waits for), logs one structured line per dependency naming the variable and the
 * address (never a password), waits, and either becomes ready when the dependency comes or exits 1
 * after `server.startupTimeoutMs`. A signal during the wait ends it at once, with 0.
 */
const mockConfig = (server: Record<string, unknown> = {}) => ({
  server,
  providers: { mock: { type: 'mock', latencyMs: 0 } },
  models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } },
});

/** Lines about Redis or Postgres connections: what an outage must not flood. */
const about = (pattern: RegExp) => (line: string) => pattern.test(line);

describe('start-up while a dependency is away', () => {
  let directory: string;
  let database: TestDatabase;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'startup-'));
    database = await createTestDatabase('startup');
    cleanups.push(() => database.drop());
  });
  afterAll(async () => {
    killChildrenNow();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  });

  it('waits for Redis, says so once, then serves when Redis comes (and rides out a later outage quietly)', async () => {
    const port = await freePort();
    const gateway = await startStartingGateway({
      name: 'redis-away',
      config: mockConfig(),
      directory,
      databaseUrl: database.url,
      redisUrl: `redis://127.0.0.1:${port}`,
      prefix: uniqueName('noredis'),
    });
    await gateway.waitForHealthz();
    type Report = { status: string; waitingFor: Array<{ dependency: string; variable: string }> };
    // Both probes start together; under load the first /readyz may still list Postgres as not tried yet.
    let report: Report | undefined;
    await waitUntil(
      'Postgres probed',
      async () => {
        const readyz = await fetch(`${gateway.url}/readyz`);
        expect(readyz.status).toBe(503);
        report = (await readyz.json()) as Report;
        return !report.waitingFor.some((entry) => entry.dependency === 'postgres');
      },
      30_000,
    );
    expect(report?.status).toBe('starting');
    expect(report?.waitingFor).toEqual([expect.objectContaining({ dependency: 'redis', variable: 'REDIS_URL' })]);
    const refused = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'mock-echo', messages: [] }, 'gw-whatever');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('service_unavailable');
    expect(refused.headers.get('retry-after')).not.toBeNull();

    // Several seconds of retries (attempts every 250 ms doubling to 5 s): still one line about it.
    await waitUntil('retrying', async () => JSON.stringify(await (await fetch(`${gateway.url}/readyz`)).json()).includes('"attempts":5'), 30_000);
    const waiting = [...gateway.lines];
    const entries = parseLogLines(waiting);
    expect(waiting.join('\n')).not.toMatch(/Unhandled error event/);
    const redisLines = waiting.filter(about(/Redis|REDIS_URL|ECONNREFUSED/));
    expect(redisLines).toHaveLength(1);
    expect(entries).toContainEqual(expect.objectContaining({ variable: 'REDIS_URL', address: `127.0.0.1:${port}`, reason: 'unreachable', dependency: 'redis' }));
    expect(entries.find((entry) => entry.variable === 'REDIS_URL')?.msg).toMatch(new RegExp(`REDIS_URL \\(127\\.0\\.0\\.1:${port}\\)`));

    const redis = await OwnRedisServer.start({ port });
    cleanups.push(() => redis.stop());
    await waitUntil('ready once Redis is up', async () => (await fetch(`${gateway.url}/readyz`)).status === 200, 30_000);
    const created = await postJson(`${gateway.url}/admin/keys`, { name: 'k', project: 'startup' }, testAdminKey);
    expect(created.status).toBe(201);
    const answered = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'hello after the wait' }] }, created.body.key as string);
    expect(answered.status).toBe(200);
    expect(answered.body.choices[0].message.content).toBe('hello after the wait');

    // Redis goes away while the process runs: its many connections reconnect, the log gets a line or two.
    const before = gateway.lines.length;
    await redis.stop();
    await waitUntil('not ready without Redis', async () => (await fetch(`${gateway.url}/readyz`)).status === 503, 30_000);
    await sleep(4_000);
    const outage = gateway.lines.slice(before);
    parseLogLines(outage);
    expect(outage.join('\n')).not.toMatch(/Unhandled error event/);
    const failingLines = outage.filter(about(/connections to Redis/));
    expect(failingLines).toHaveLength(1);
    expect(failingLines[0]).toContain(`REDIS_URL (127.0.0.1:${port})`);
    expect(outage.filter(about(/Redis|REDIS_URL|ECONNREFUSED/)).length).toBeLessThanOrEqual(5);
    await redis.restart();
    await waitUntil('ready again', async () => (await fetch(`${gateway.url}/readyz`)).status === 200, 30_000);
    const stoppedAt = gateway.lines.length;
    const code = await gateway.stop();
    // On a failure, the process's own account of its shutdown.
    expect(code, gateway.lines.slice(stoppedAt - 5).join('\n')).toBe(0);
  }, 120_000);

  it('names REDIS_URL and the failed authentication, never the password, and exits 1 after startupTimeoutMs', async () => {
    const redis = await OwnRedisServer.start({ password: 'the-right-password-42' });
    cleanups.push(() => redis.stop());
    const password = 'a-wrong-password-1234';
    const gateway = await startStartingGateway({
      name: 'wrong-password',
      config: mockConfig({ startupTimeoutMs: 6_000 }),
      directory,
      databaseUrl: database.url,
      redisUrl: `redis://:${password}@127.0.0.1:${redis.port}`,
      prefix: uniqueName('wrongpass'),
    });
    expect(await gateway.exited).toBe(1);
    const output = gateway.lines.join('\n');
    expect(output).not.toContain(password);
    expect(output).not.toMatch(/Unhandled error event/);
    const entries = parseLogLines(gateway.lines);
    const waiting = entries.filter((entry) => entry.variable === 'REDIS_URL' && entry.level === 50);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ reason: 'authentication-failed', address: `127.0.0.1:${redis.port}` });
    expect(String(waiting[0]?.detail)).toMatch(/WRONGPASS/);
    const fatal = entries.find((entry) => entry.level === 60);
    expect(fatal).toMatchObject({ variable: 'REDIS_URL', reason: 'authentication-failed', startupTimeoutMs: 6_000 });
    expect(String(fatal?.msg)).toMatch(/gave up waiting for Redis at REDIS_URL .*server\.startupTimeoutMs.*authentication failed/);
  }, 120_000);

  it('waits for Postgres without a deadline (startupTimeoutMs 0), probes answered on METRICS_PORT too, and stops at once on SIGTERM', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const password = 'postgres-secret-987';
    const gateway = await startStartingGateway({
      name: 'postgres-away',
      role: 'worker',
      config: mockConfig({ startupTimeoutMs: 0 }),
      directory,
      databaseUrl: `postgres://gateway:${password}@127.0.0.1:${port}/gateway`,
      redisUrl: testRedisUrl(),
      prefix: uniqueName('nopg'),
      environment: { METRICS_PORT: String(metricsPort) },
    });
    // A worker has no API port: its probes are on METRICS_PORT, from the start.
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    await waitUntil('METRICS_PORT /healthz', async () => (await fetch(`${metricsUrl}/healthz`)).status === 200, 60_000);
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    type Report = { status: string; checks: Record<string, string>; waitingFor: Array<{ dependency: string; variable: string; reason: string }> };
    let report: Report = { status: '', checks: {}, waitingFor: [] };
    // The probes start with the listener; under load the first /readyz may come before Postgres was tried.
    await waitUntil(
      'Postgres tried',
      async () => {
        const readyz = await fetch(`${metricsUrl}/readyz`);
        expect(readyz.status).toBe(503);
        report = (await readyz.json()) as Report;
        return report.waitingFor.some((entry) => entry.dependency === 'postgres' && entry.reason !== 'not-tried-yet');
      },
      30_000,
    );
    expect(report).toMatchObject({ status: 'starting', checks: { postgres: 'failing' } });
    expect(report.waitingFor).toContainEqual(expect.objectContaining({ dependency: 'postgres', variable: 'DATABASE_URL', reason: 'unreachable' }));
    await waitUntil('retrying', async () => JSON.stringify(await (await fetch(`${metricsUrl}/readyz`)).json()).includes('"attempts":4'), 30_000);

    expect(await gateway.stop()).toBe(0);
    const output = gateway.lines.join('\n');
    expect(output).not.toContain(password);
    expect(output).not.toContain(`gateway:${password}`);
    const entries = parseLogLines(gateway.lines);
    const postgresLines = gateway.lines.filter(about(/Postgres|DATABASE_URL|ECONNREFUSED/));
    expect(postgresLines).toHaveLength(1);
    expect(entries).toContainEqual(expect.objectContaining({ dependency: 'postgres', variable: 'DATABASE_URL', address: `127.0.0.1:${port}`, reason: 'unreachable', startupTimeoutMs: 0 }));
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'stopped before start-up finished' }));
  }, 120_000);
});
