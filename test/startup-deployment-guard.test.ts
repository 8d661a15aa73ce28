import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildrenNow, waitUntil } from '../bench/processes.ts';
import { loadEnvironment } from '../src/config/env.ts';
import { parseGatewayConfig } from '../src/config/gateway-config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logging/logger.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import { parseLogLines, startStartingGateway } from './support/starting-gateway.ts';
import { testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './support/test-services.ts';

/**
 * One Redis prefix, one deployment: `<prefix>:deployment` names the database of the deployment that
 * registered it, and a process recording its work in another database refuses to start (it would run
 * the other deployment's jobs against the wrong records). Against a redis-server of its own, so the
 * FLUSHDB here touches nothing else.
 */
const config = {
  providers: { mock: { type: 'mock', latencyMs: 0 } },
  models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } },
  durability: { redisCheckIntervalMs: 200 },
};

describe('two deployments on one Redis prefix', () => {
  let redis: OwnRedisServer;
  let directory: string;
  let ours: TestDatabase;
  let theirs: TestDatabase;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    redis = await OwnRedisServer.start();
    directory = await mkdtemp(join(tmpdir(), 'deployments-'));
    [ours, theirs] = await Promise.all([createTestDatabase('ours'), createTestDatabase('theirs')]);
    cleanups.push(
      () => redis.stop(),
      () => ours.drop(),
      () => theirs.drop(),
      () => rm(directory, { recursive: true, force: true }),
    );
  });
  afterAll(async () => {
    killChildrenNow();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  /** A gateway in this test process; `onFatal` sees a conflict found while it runs. */
  async function start(database: TestDatabase, prefix: string, options: { role?: 'api' | 'worker' | 'all'; onFatal?: (error: Error) => void } = {}): Promise<Gateway> {
    const environment = loadEnvironment({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      GATEWAY_ROLE: options.role ?? 'all',
      GATEWAY_ADMIN_KEY: testAdminKey,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
    const gateway = await startGateway({ environment, config: parseGatewayConfig(config, {}), logger: createLogger(environment.LOG_LEVEL), ...(options.onFatal ? { onFatal: options.onFatal } : {}) });
    cleanups.push(() => gateway.close());
    return gateway;
  }

  async function registered(prefix: string): Promise<Record<string, unknown> | null> {
    const client = redis.client();
    try {
      const value = await client.get(`${prefix}:deployment`);
      return value === null ? null : (JSON.parse(value) as Record<string, unknown>);
    } finally {
      await client.quit();
    }
  }

  it('refuses a process of another database (exit 1, naming the prefix and both databases) and starts one of the same', async () => {
    const prefix = uniqueName('shared');
    await start(ours, prefix);
    expect(await registered(prefix)).toMatchObject({ database: ours.name, schema: 'public', systemIdentifier: expect.stringMatching(/^\d+$/) });

    const other = await startStartingGateway({ name: 'other-deployment', config, directory, databaseUrl: theirs.url, redisUrl: redis.url, prefix });
    expect(await other.exited).toBe(1);
    const fatal = parseLogLines(other.lines).find((entry) => entry.level === 60);
    expect(fatal).toMatchObject({ redisPrefix: prefix, deployment: { database: theirs.name }, registeredDeployment: { database: ours.name } });
    expect(String(fatal?.msg)).toContain(`REDIS_PREFIX "${prefix}" is in use by another deployment`);
    expect(String(fatal?.msg)).toContain(`database "${theirs.name}"`);
    expect(String(fatal?.msg)).toContain(`database "${ours.name}"`);
    // It refused before taking anything over: the prefix is still ours.
    expect(await registered(prefix)).toMatchObject({ database: ours.name });

    // Another process of the same deployment (its worker) starts.
    const worker = await start(ours, prefix, { role: 'worker' });
    expect(worker.url).toBeUndefined();
  }, 120_000);

  it('registers again after Redis lost its data, and a running process stops if another deployment took the prefix meanwhile', async () => {
    const prefix = uniqueName('lost');
    const fatal: Error[] = [];
    await start(ours, prefix, { onFatal: (error) => fatal.push(error) });
    expect(await registered(prefix)).toMatchObject({ database: ours.name });

    await redis.flush();
    await waitUntil('registered again after FLUSHDB', async () => (await registered(prefix))?.database === ours.name, 20_000);
    expect(fatal).toEqual([]);

    // Redis loses its data and another deployment registers first (the epoch key gone, theirs set, at once).
    const foreign = { systemIdentifier: '1234567890123456789', database: theirs.name, schema: 'public', registeredAt: new Date().toISOString() };
    const client = redis.client();
    try {
      await client.multi().del(`${prefix}:epoch`).set(`${prefix}:deployment`, JSON.stringify(foreign)).exec();
    } finally {
      await client.quit();
    }
    await waitUntil('told to stop', async () => fatal.length > 0, 20_000);
    expect(fatal[0]?.name).toBe('DeploymentConflictError');
    expect(fatal[0]?.message).toContain(`database "${theirs.name}" on Postgres system 1234567890123456789`);
  }, 120_000);
});
