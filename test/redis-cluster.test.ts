import calculateSlot from 'cluster-key-slot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrefix } from '../src/queues/queue-prefix.ts';
import { batchChunkQueueName } from '../src/queues/batch-queues.ts';
import { providerQueueName } from '../src/queues/request-job.ts';
import { midBatchFaults } from './support/mid-batch-faults.ts';
import { OwnRedisCluster } from './support/own-redis-cluster.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { uniqueName } from './support/test-services.ts';

/**
 * The gateway on a real Redis Cluster (three masters, a replica each, an ACL user on every node):
 * sync calls, the cache, tenant and provider limits, batches through a manual failover, and the
 * reconciler after the whole cluster lost its data. The cluster is this file's own.
 */
const pricing = { inputPerMillion: '1', outputPerMillion: '2' };
const config = {
  cache: { enabled: true, ttlSeconds: 600 },
  providers: {
    mock: { type: 'mock', latencyMs: 8, concurrency: 8, rpm: 100_000 },
    // One call at a time, slow: what is queued behind it is only in Redis when the data goes.
    slow: { type: 'mock', latencyMs: 4000, concurrency: 1, timeoutMs: 10_000 },
  },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo', rpm: 50_000 }], pricing },
    'mock-embed': { routes: [{ provider: 'mock', model: 'embed' }], pricing },
    'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }], pricing },
  },
  batches: { chunkSize: 25 },
  durability: { redisCheckIntervalMs: 200, reconcileIntervalMs: 600_000, jobLockMs: 2000 },
};
const lines = 1500;
const request = (content: string, model = 'mock-echo') => ({ model, messages: [{ role: 'user', content }] });

describe('on a Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let harness: TestGateway;
  let key: string;
  let keyId: string;
  let projectId: string;

  beforeAll(async () => {
    cluster = await OwnRedisCluster.start({ user: { name: 'gateway', password: 'cluster-secret' } });
    harness = await startTestGateway({ config, prefix: uniqueName('cluster'), environment: { REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds } });
    ({ key, id: keyId, project_id: projectId } = await harness.createKey('on-a-cluster'));
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await cluster?.stop();
  });

  const { submitBatch, waitForAThird, expectCompletedExactlyOnce, metric } = midBatchFaults({ harness: () => harness, key: () => key, lines, request });

  it('serves sync chat, embeddings and cache hits under tenant and provider limits, each key family in its hash tag’s slot, spread over the masters', async () => {
    // A key's and its project's limits are checked in one script: their counters share the project's slot.
    const putLimits = (path: string, body: unknown) =>
      fetch(`${harness.url}/admin/${path}/limits`, { method: 'PUT', headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await putLimits(`keys/${keyId}`, { rpm: 1000, tpm: 1_000_000, maxConcurrent: 50, budgets: { dailyUsd: '100' } })).status).toBe(200);
    expect((await putLimits('projects/on-a-cluster', { rpm: 2000, maxConcurrent: 100 })).status).toBe(200);
    const question = `cluster ${uniqueName('q')}`;
    const first = await postJson(`${harness.url}/v1/chat/completions`, request(question), key);
    expect(first.status).toBe(200);
    expect(first.body.choices[0].message.content).toBe(question);
    expect(first.headers.get('x-gateway-cache')).toBe('MISS');
    const second = await postJson(`${harness.url}/v1/chat/completions`, request(question), key);
    expect(second.headers.get('x-gateway-cache')).toBe('HIT');
    const embedded = await postJson(`${harness.url}/v1/embeddings`, { model: 'mock-embed', input: ['one', 'two'] }, key);
    expect(embedded.status).toBe(200);
    expect(embedded.body.data).toHaveLength(2);
    const concurrent = await Promise.all(Array.from({ length: 40 }, (_unused, index) => postJson(`${harness.url}/v1/chat/completions`, request(`together ${index}`), key)));
    expect(concurrent.map((answer) => answer.status)).toEqual(concurrent.map(() => 200));
    await expect.poll(async () => (await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE api_key_id = $1', [keyId])).rows[0].n, { timeout: 10_000 }).toBe(43);

    // Where the keys went: every master holds some, and each family sits in its tag's slot.
    const client = cluster.client();
    try {
      const placed = new Map<string, number>();
      for (const node of (await cluster.topology()).filter((candidate) => candidate.role === 'master')) {
        const redis = cluster.node(node.port);
        try {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${harness.prefix}:*`, 'COUNT', 1000);
            cursor = next;
            for (const found of keys) placed.set(found, node.port);
          } while (cursor !== '0');
        } finally {
          redis.disconnect();
        }
      }
      const keys = [...placed.keys()];
      const tagged = (pattern: string) => keys.filter((found) => found.startsWith(`${harness.prefix}:${pattern}`));
      expect(tagged(`{chat-mock}:chat-mock:`).length).toBeGreaterThan(0);
      expect(tagged('limits:{mock}').length).toBeGreaterThan(0);
      expect(tagged('limits:{mock}:model:').length).toBeGreaterThan(0);
      expect(tagged('breaker:{mock}').length).toBeGreaterThan(0);
      expect(tagged(`tenant:{${projectId}}:key:${keyId}:`).length).toBeGreaterThan(0);
      expect(tagged(`tenant:{${projectId}}:project:`).length).toBeGreaterThan(0);
      expect(tagged(`tenant:{${projectId}}:key:${keyId}:spend:`).length).toBeGreaterThan(0);
      expect(tagged('cache:').length).toBeGreaterThan(0);
      for (const family of ['{chat-mock}', 'limits:{mock}', 'breaker:{mock}', `tenant:{${projectId}}`]) {
        const slots = new Set(tagged(family).map((found) => calculateSlot(found)));
        expect(slots.size, family).toBe(1);
      }
      expect(new Set(placed.values()).size).toBeGreaterThanOrEqual(2);
    } finally {
      client.disconnect();
    }
  });

  it('a batch runs to the end through a manual failover of the master serving its chunk queue, each line once, billed once', async () => {
    const batchId = await submitBatch('failover');
    await waitForAThird(batchId);
    const moved = await cluster.failover(`${queuePrefix(harness.prefix, batchChunkQueueName('mock'))}:x`);
    expect(moved.to).not.toBe(moved.from);
    await expectCompletedExactlyOnce(batchId);
    // The sync queue's master hands over too: the very next calls are redirected to the new master, none refused.
    await cluster.failover(`${queuePrefix(harness.prefix, providerQueueName('mock'))}:x`);
    const after = await Promise.all(Array.from({ length: 20 }, (_unused, index) => postJson(`${harness.url}/v1/chat/completions`, request(`after the failover ${index}`), key)));
    expect(after.map((answer) => answer.status)).toEqual(after.map(() => 200));
  }, 60_000);

  it('the whole cluster loses its data mid-batch (FLUSHALL on every master): the batch, a queued async job and a waiting sync call complete, each once', async () => {
    const first = await postJson(`${harness.url}/v1/async/chat/completions`, request('first', 'slow-echo'), key);
    const queued = await postJson(`${harness.url}/v1/async/chat/completions`, request('queued', 'slow-echo'), key);
    expect([first.status, queued.status]).toEqual([202, 202]);
    const sync = postJson(`${harness.url}/v1/chat/completions`, request('waiting in the queue', 'slow-echo'), key);
    const batchId = await submitBatch('flush');
    await waitForAThird(batchId);

    // What the loss must take: \`queued\` is still only in Redis, behind \`first\`'s call.
    expect((await harness.sql.query('SELECT status FROM requests WHERE id = $1', [queued.body.id])).rows[0]).toEqual({ status: 'queued' });
    // The master holding the loss detector's key hands over first, so its slot has moved when the data goes.
    await cluster.failover(`${harness.prefix}:epoch`);
    await cluster.flushAll();

    await expectCompletedExactlyOnce(batchId);
    const answer = await sync;
    expect(answer.status).toBe(200);
    expect(answer.body.choices[0].message.content).toBe('waiting in the queue');
    for (const job of [first, queued]) {
      await expect
        .poll(async () => ((await (await fetch(`${harness.url}/v1/async/chat/completions/${job.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string }).status, {
          timeout: 20_000,
        })
        .toBe('completed');
    }
    const { rows } = await harness.sql.query('SELECT request_id FROM usage WHERE request_id = ANY($1)', [[first.body.id, queued.body.id, answer.headers.get('x-request-id')]]);
    expect(rows).toHaveLength(3);
    expect(await metric('gateway_redis_data_losses_total')).toBeGreaterThanOrEqual(1);
    expect(await metric('gateway_reconcile_restored_total', { task: 'batches' })).toBeGreaterThanOrEqual(1);
    expect(await metric('gateway_reconcile_restored_total', { task: 'async-jobs' })).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
