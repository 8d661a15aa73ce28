import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildrenNow } from '../bench/processes.ts';
import { batchChunkQueueName } from '../src/queues/batch-queues.ts';
import { batchLedger, exactlyOnce } from './support/batch-ledger.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { testRedisUrl } from './support/test-services.ts';
import { queuePrefix } from '../src/queues/queue-prefix.ts';

/**
 * `kill -9` of a worker process mid-batch: nothing of it runs again (no drain, no hand-back). The
 * chunks it held go back to their queue once their lock lapses (`durability.jobLockMs`) and the other
 * worker runs them; the lines it had already written are found and not written, counted or billed
 * again. An API process of this file plus two worker processes share one database and Redis prefix.
 */
const pricing = { inputPerMillion: '1', outputPerMillion: '2' };
const config = {
  // The victim's calls in flight keep their provider slots until the slot's lease lapses (the provider's
  // timeoutMs + 10 s): a 20 ms provider gets a 5 s timeout, so slots a killed worker held come back in 15 s.
  providers: { mock: { type: 'mock', latencyMs: 20, concurrency: 16, timeoutMs: 5000 } },
  models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing } },
  batches: { chunkSize: 20 },
  // A chunk the victim held goes back by BullMQ's stalled-job check; on a loaded machine the survivor's
  // own lock renewals can come late, and a chunk stalled twice is failed for good: then the reconciler
  // queues it again (its lines done are skipped). Every 2 s here, so either path finishes in the test's time.
  durability: { jobLockMs: 2000, reconcileIntervalMs: 2000 },
};
/** Chunks one worker process runs at once with this config: max(2, ceil(concurrency / chunkSize) + 1). */
const chunksPerWorker = 2;
const lines = 1000;

describe('kill -9 of a worker mid-batch', () => {
  let directory: string | undefined;
  let api: TestGateway;
  const workers: GatewayProcess[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'worker-kill-'));
    api = await startTestGateway({ config, environment: { GATEWAY_ROLE: 'api' } });
    const start = (name: string) =>
      startGatewayProcess({ name, role: 'worker', config, directory: directory!, databaseUrl: api.database.url, redisUrl: testRedisUrl(), prefix: api.prefix }).then((worker) => {
        workers.push(worker);
        return worker;
      });
    await Promise.all([start('worker-1'), start('worker-2')]);
  });
  afterAll(async () => {
    for (const worker of workers) {
      try {
        process.kill(worker.child.pid, 'SIGKILL');
      } catch {
        // exited
      }
    }
    // Any child whose start failed half-way (it is not in `workers` then).
    killChildrenNow();
    await Promise.all(workers.map((worker) => worker.exited));
    await api?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('the batch completes with each line once, billed once, no duplicate in the files', async () => {
    const key = (await api.createKey('kill')).key;
    const requests = Array.from({ length: lines }, (_unused, index) => ({ custom_id: `line-${index}`, body: { model: 'mock-echo', messages: [{ role: 'user', content: `line ${index}` }] } }));
    const created = await postJson(`${api.url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests }, key);
    expect(created.status).toBe(200);
    const batchId = created.body.id as string;
    const progress = async () => {
      const { rows } = await api.sql.query<{ done: number; status: string }>('SELECT completed_count + failed_count AS done, status FROM batches WHERE id = $1', [batchId]);
      return rows[0]!;
    };

    await expect.poll(async () => (await progress()).done, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(lines * 0.3);
    const chunks = new Queue(batchChunkQueueName('mock'), { connection: { url: testRedisUrl() }, prefix: queuePrefix(api.prefix, batchChunkQueueName('mock')) });
    try {
      // More chunks running than one process takes at once: the victim holds at least one of them.
      expect(await chunks.getActiveCount()).toBeGreaterThan(chunksPerWorker);
    } finally {
      await chunks.close();
    }
    const [victim, survivor] = workers as [GatewayProcess, GatewayProcess];
    process.kill(victim.child.pid, 'SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    expect((await progress()).done).toBeLessThan(lines);

    await expect.poll(async () => (await progress()).status, { timeout: 40_000, interval: 100 }).toBe('completed');
    expect(survivor.child.process.exitCode).toBeNull();
    const download = async (fileId: string) => (await fetch(`${api.url}/v1/files/${fileId}/content`, { headers: { authorization: `Bearer ${key}` } })).text();
    const ledger = await batchLedger({ sql: api.sql, batchId, download });
    expect(ledger).toMatchObject(exactlyOnce(lines));
  }, 60_000);
});
