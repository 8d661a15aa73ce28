import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildrenNow } from '../bench/processes.ts';
import { AnthropicBatchServer } from './support/anthropic-batch-server.ts';
import { batchLedger, exactlyOnce } from './support/batch-ledger.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { uniqueName } from './support/test-services.ts';

/**
 * A provider batch is recorded in Postgres before it is created and its provider id as soon as the
 * provider answers, and its polling job is put back from there: a worker `kill -9` or a Redis loss
 * while the provider works loses nothing and submits no line twice. An API process of this file and
 * worker processes of their own, on a redis-server of this file's own.
 */
const lines = 300;
const config = (baseUrl: string) => ({
  providers: { anthropic: { type: 'anthropic', baseUrl, apiKey: 'sk-ant-test', nativeBatch: { enabled: true, pollIntervalMs: 200 } } },
  models: { claude: { routes: [{ provider: 'anthropic', model: 'claude-haiku-5-5' }], pricing: { inputPerMillion: '1', outputPerMillion: '2' } } },
  durability: { redisCheckIntervalMs: 200, reconcileIntervalMs: 600_000, jobLockMs: 2000 },
});

describe('native batches survive a worker kill -9 and a Redis loss', () => {
  let directory: string;
  let anthropic: AnthropicBatchServer;
  let redis: OwnRedisServer;
  let api: TestGateway;
  let key: string;
  const workers: GatewayProcess[] = [];

  const startWorker = async (name: string) => {
    const worker = await startGatewayProcess({ name, role: 'worker', config: config(anthropic.baseUrl), directory, databaseUrl: api.database.url, redisUrl: redis.url, prefix: api.prefix });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'native-durability-'));
    anthropic = await AnthropicBatchServer.start();
    redis = await OwnRedisServer.start();
    api = await startTestGateway({ config: config(anthropic.baseUrl), prefix: uniqueName('native'), environment: { GATEWAY_ROLE: 'api', REDIS_URL: redis.url } });
    key = (await api.createKey('native-durable')).key;
  });
  afterAll(async () => {
    for (const worker of workers) {
      try {
        process.kill(worker.child.pid, 'SIGKILL');
      } catch {
        // exited
      }
    }
    killChildrenNow();
    await Promise.all(workers.map((worker) => worker.exited));
    await api?.close();
    await redis?.stop();
    await anthropic?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const submit = async (label: string) => {
    const requests = Array.from({ length: lines }, (_unused, index) => ({
      custom_id: `${label}-${index}`,
      body: { model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: `${label} ${index}` }] },
    }));
    const created = await postJson(`${api.url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests }, key);
    expect(created.status).toBe(200);
    return created.body.id as string;
  };
  const waitForSubmitted = async (batchId: string) => {
    await expect.poll(async () => (await api.sql.query("SELECT 1 FROM provider_batches WHERE batch_id = $1 AND status = 'submitted'", [batchId])).rowCount, { timeout: 20_000, interval: 50 }).toBe(1);
  };
  const waitForCompletion = async (batchId: string) => {
    await expect
      .poll(async () => (await api.sql.query<{ status: string }>('SELECT status FROM batches WHERE id = $1', [batchId])).rows[0]?.status, { timeout: 45_000, interval: 100 })
      .toBe('completed');
  };
  const expectOnceEverywhere = async (batchId: string) => {
    const download = async (fileId: string) => (await fetch(`${api.url}/v1/files/${fileId}/content`, { headers: { authorization: `Bearer ${key}` } })).text();
    expect(await batchLedger({ sql: api.sql, batchId, download })).toMatchObject(exactlyOnce(lines));
    // No line reached the provider twice.
    const sent = [...anthropic.requestsReceived.entries()].filter(([customId]) => customId.startsWith(`batch_req_${batchId.slice(6)}_`));
    expect(sent).toHaveLength(lines);
    expect(sent.every(([, count]) => count === 1)).toBe(true);
  };

  it('kill -9 of the worker while the provider works: another worker reads the results in, nothing sent twice', async () => {
    const victim = await startWorker('victim');
    anthropic.hold = true;
    const creates = anthropic.creates;
    const batchId = await submit('kill');
    await waitForSubmitted(batchId);
    process.kill(victim.child.pid, 'SIGKILL');
    await victim.exited;
    await startWorker('survivor');
    anthropic.release();
    anthropic.hold = false;
    await waitForCompletion(batchId);
    expect(anthropic.creates).toBe(creates + 1);
    await expectOnceEverywhere(batchId);
  });

  it('FLUSHDB while the provider works: the polling job is put back from Postgres, nothing sent twice', async () => {
    anthropic.hold = true;
    const creates = anthropic.creates;
    const batchId = await submit('flush');
    await waitForSubmitted(batchId);
    await redis.flush();
    anthropic.release();
    anthropic.hold = false;
    await waitForCompletion(batchId);
    expect(anthropic.creates).toBe(creates + 1);
    await expectOnceEverywhere(batchId);
  });
});
