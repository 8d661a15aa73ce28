import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { midBatchFaults } from './support/mid-batch-faults.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { uniqueName } from './support/test-services.ts';

/**
 * Redis is a cache of work: when it loses its data (FLUSHDB, a restart without persistence) the
 * gateway puts every accepted piece of work back from Postgres, and nothing runs or bills twice.
 * Each test runs against a redis-server of its own, so nothing here touches the shared Redis.
 */
const pricing = { inputPerMillion: '1', outputPerMillion: '2' };
const config = {
  providers: {
    mock: { type: 'mock', latencyMs: 8, concurrency: 8 },
    // One call at a time, slow: what is queued behind it is still only in Redis when the loss comes.
    slow: { type: 'mock', latencyMs: 4000, concurrency: 1, timeoutMs: 10_000 },
  },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing },
    'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }], pricing },
  },
  batches: { chunkSize: 25 },
  // The period is long on purpose: only the loss itself can trigger the repair in time.
  durability: { redisCheckIntervalMs: 200, reconcileIntervalMs: 600_000, jobLockMs: 2000 },
};
const lines = 1500;
const request = (content: string, model = 'mock-echo') => ({ model, messages: [{ role: 'user', content }] });

describe('losing Redis data', () => {
  let redis: OwnRedisServer;
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    redis = await OwnRedisServer.start();
    harness = await startTestGateway({ config, prefix: uniqueName('loss'), environment: { REDIS_URL: redis.url } });
    key = (await harness.createKey('durable')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await redis?.stop();
  });

  const { submitBatch, waitForAThird, expectCompletedExactlyOnce, metric } = midBatchFaults({ harness: () => harness, key: () => key, lines, request });

  it('FLUSHDB mid-batch: the batch, a queued async job and a waiting sync call all complete, each line once, billed once', async () => {
    // The slow provider's one slot is taken by `first`; `queued` and the sync call wait behind it, in Redis only.
    const first = await postJson(`${harness.url}/v1/async/chat/completions`, request('first', 'slow-echo'), key);
    const queued = await postJson(`${harness.url}/v1/async/chat/completions`, request('queued', 'slow-echo'), key);
    expect([first.status, queued.status]).toEqual([202, 202]);
    const sync = postJson(`${harness.url}/v1/chat/completions`, request('waiting in the queue', 'slow-echo'), key);
    const batchId = await submitBatch('flush');
    await waitForAThird(batchId);

    // What the loss must take: \`queued\` is still only in Redis, behind \`first\`'s call.
    expect((await harness.sql.query('SELECT status FROM requests WHERE id = $1', [queued.body.id])).rows[0]).toEqual({ status: 'queued' });
    await redis.flush();

    await expectCompletedExactlyOnce(batchId);
    const answer = await sync;
    expect(answer.status).toBe(200);
    expect(answer.body.choices[0].message.content).toBe('waiting in the queue');
    for (const job of [first, queued]) {
      await expect.poll(async () => (await postJsonGet(`${harness.url}/v1/async/chat/completions/${job.body.id}`, key)).status, { timeout: 20_000 }).toBe('completed');
    }
    const { rows } = await harness.sql.query('SELECT request_id FROM usage WHERE request_id = ANY($1)', [[first.body.id, queued.body.id, answer.headers.get('x-request-id')]]);
    expect(rows).toHaveLength(3);
    // The repair was the loss's doing (the periodic pass is ten minutes away).
    expect(await metric('gateway_redis_data_losses_total')).toBeGreaterThanOrEqual(1);
    expect(await metric('gateway_reconcile_restored_total', { task: 'batches' })).toBeGreaterThanOrEqual(1);
    expect(await metric('gateway_reconcile_restored_total', { task: 'async-jobs' })).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('a Redis server restart (empty) mid-batch: the batch completes, each line once, billed once', async () => {
    const batchId = await submitBatch('restart');
    await waitForAThird(batchId);
    await redis.restart(300);
    await expectCompletedExactlyOnce(batchId);
  });

  it('Redis down: submissions get 503 with Retry-After and nothing is created; readiness says so; work resumes after', async () => {
    await redis.stop();
    try {
      const before = await harness.sql.query('SELECT (SELECT count(*) FROM batches)::int AS batches, (SELECT count(*) FROM requests WHERE kind = $1)::int AS jobs', ['async']);
      const batch = await postJson(`${harness.url}/v1/batches`, { endpoint: '/v1/chat/completions', requests: [{ custom_id: 'x', body: request('x') }] }, key);
      const job = await postJson(`${harness.url}/v1/async/chat/completions`, request('y'), key);
      const call = await postJson(`${harness.url}/v1/chat/completions`, request('z'), key);
      for (const refused of [batch, job, call]) {
        expect(refused.status).toBe(503);
        expect(refused.body.error.code).toBe('service_unavailable');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const after = await harness.sql.query('SELECT (SELECT count(*) FROM batches)::int AS batches, (SELECT count(*) FROM requests WHERE kind = $1)::int AS jobs', ['async']);
      expect(after.rows[0]).toEqual(before.rows[0]);
      // Nor a file of the inline batch's requests.
      expect((await harness.sql.query("SELECT count(*)::int AS n FROM files WHERE kind = 'inline' AND id NOT IN (SELECT input_file_id FROM batches)")).rows[0].n).toBe(0);
      const ready = await fetch(`${harness.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.redis).toBe('failing');
    } finally {
      await redis.restart();
    }
    await expect.poll(async () => (await fetch(`${harness.url}/readyz`)).status, { timeout: 10_000 }).toBe(200);
    const answer = await postJson(`${harness.url}/v1/chat/completions`, request('back'), key);
    expect(answer.status).toBe(200);
  });
});

async function postJsonGet(url: string, key: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return (await response.json()) as { status: string };
}
