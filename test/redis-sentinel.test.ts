import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnRedisSentinel } from './support/own-redis-sentinel.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { uniqueName } from './support/test-services.ts';

/**
 * Redis behind Sentinel: the gateway finds the master through REDIS_SENTINELS, logs in with
 * REDIS_URL's password, and keeps serving sync calls and batches through a Sentinel failover.
 */
const config = {
  providers: { mock: { type: 'mock', latencyMs: 5, concurrency: 8 } },
  models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } },
  batches: { chunkSize: 25 },
};
const chat = (content: string) => ({ model: 'mock-echo', messages: [{ role: 'user', content }] });

describe('Redis behind Sentinel', () => {
  let sentinel: OwnRedisSentinel;
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    sentinel = await OwnRedisSentinel.start({ password: 'sentinel-data-secret' });
    harness = await startTestGateway({
      config,
      prefix: uniqueName('sentinel'),
      environment: { REDIS_URL: sentinel.url, REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_MASTER: sentinel.masterName },
    });
    ({ key } = await harness.createKey('behind-sentinel'));
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await sentinel?.stop();
  });

  it('serves through the master the Sentinel names, and again after the Sentinel fails over to the replica', async () => {
    const before = await postJson(`${harness.url}/v1/chat/completions`, chat('before'), key);
    expect(before.status).toBe(200);
    expect(before.body.choices[0].message.content).toBe('before');

    const moved = await sentinel.failover();
    expect(moved.to).toBe(sentinel.ports.replica);

    await expect.poll(async () => (await postJson(`${harness.url}/v1/chat/completions`, chat('after'), key)).status, { timeout: 30_000, interval: 250 }).toBe(200);
    const requests = Array.from({ length: 200 }, (_unused, index) => ({ custom_id: `line-${index}`, body: chat(`line ${index}`) }));
    const created = await postJson(`${harness.url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests }, key);
    expect(created.status).toBe(200);
    await expect
      .poll(async () => (await harness.sql.query('SELECT status, completed_count FROM batches WHERE id = $1', [created.body.id])).rows[0], { timeout: 30_000 })
      .toEqual({ status: 'completed', completed_count: 200 });
  });
});
