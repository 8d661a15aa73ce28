import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../src/auth/api-key-store.ts';
import { BatchResultWriter, type BatchLineOutcome } from '../src/records/batch-result-writer.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { insertAsyncJob } from '../src/async-jobs/async-jobs.ts';
import { latencyBoundsMs } from '../src/usage/latency-buckets.ts';
import { rebuildUsageRollups } from '../src/usage/rebuild-usage-rollups.ts';
import { ResultStore, type RequestOutcome } from '../src/records/result-store.ts';
import { createTestDatabase, type TestDatabase } from './support/test-services.ts';

/** The rollups count what the records hold, once, written in the same statement as the records. */
describe('usage rollups at the writers', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let principal: { projectId: string; apiKeyId: string };
  const settledAt = new Date('2024-06-01T10:20:00.000Z');

  beforeAll(async () => {
    database = await createTestDatabase('usagerollups');
    handle = createDatabase({ url: database.url, maxConnections: 8 });
    await runMigrations(handle.pool);
    const created = await new ApiKeyStore({ db: handle.db, redis: {} as Redis, prefix: 'unused' }).createKey({ name: 'k', project: 'rollups' });
    principal = { projectId: created.project_id, apiKeyId: created.id };
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  const outcome = (requestId: string, model: string, extra: Partial<RequestOutcome> = {}): RequestOutcome => ({
    requestId,
    kind: 'sync',
    ...principal,
    model,
    provider: 'mock',
    upstreamModel: 'echo',
    attempts: 1,
    status: 'completed',
    statusCode: 200,
    acceptedAt: new Date(settledAt.getTime() - 40),
    startedAt: new Date(settledAt.getTime() - 30),
    completedAt: settledAt,
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, cost: '0.0001' },
    ...extra,
  });

  const rollup = async (model: string) =>
    (
      await handle.pool.query(
        `SELECT sum(requests)::int AS requests, sum(errors)::int AS errors, sum(prompt_tokens)::int AS prompt_tokens, sum(cost)::text AS cost,
                (SELECT sum(requests)::int FROM usage_daily_rollups d WHERE d.model = $1) AS daily_requests,
                (SELECT latency_histogram FROM usage_rollups h WHERE h.model = $1 ORDER BY h.provider DESC LIMIT 1) AS histogram
         FROM usage_rollups WHERE model = $1`,
        [model],
      )
    ).rows[0] as { requests: number; errors: number; prompt_tokens: number; cost: string; daily_requests: number; histogram: number[] | string[] };

  it('counts a request once when its outcome is written twice (a re-delivered job)', async () => {
    const store = new ResultStore(handle.db);
    await store.record(outcome('req_dup', 'dup-model'));
    await store.record(outcome('req_dup', 'dup-model'));
    await new ResultStore(handle.db).record(outcome('req_dup', 'dup-model', { status: 'failed', statusCode: 502, usage: undefined }));
    expect(await rollup('dup-model')).toMatchObject({ requests: 1, errors: 0, prompt_tokens: 10, cost: '0.0001000000', daily_requests: 1 });
    // 40 ms, accepted → settled, in the bucket that holds 40.
    const histogram = (await rollup('dup-model')).histogram.map(Number);
    const bucket = latencyBoundsMs.filter((bound) => 40 >= bound).length;
    expect(histogram[bucket]).toBe(1);
    expect(histogram.reduce((sum, count) => sum + count, 0)).toBe(1);
  });

  it('counts an async job once, when it settles', async () => {
    const request = { model: 'async-model', messages: [{ role: 'user' as const, content: 'x' }] };
    await insertAsyncJob(handle.pool, { id: 'req_async', ...principal, request, webhookUrl: null, acceptedAt: new Date(settledAt.getTime() - 500) });
    expect((await rollup('async-model')).requests).toBeNull();
    await new ResultStore(handle.db).record(outcome('req_async', 'async-model', { kind: 'async', acceptedAt: new Date(settledAt.getTime() - 500) }));
    expect(await rollup('async-model')).toMatchObject({ requests: 1, errors: 0, prompt_tokens: 10 });
  });

  it('counts a batch line once however often its chunk re-runs; a line that never started has no latency', async () => {
    const writer = new BatchResultWriter(handle.pool, async () => {});
    const line = (lineNumber: number, status: BatchLineOutcome['status']): BatchLineOutcome => ({
      kind: 'batch',
      requestId: `batch_req_r_${lineNumber}`,
      batchId: 'batch_r',
      lineNumber,
      customId: `c${lineNumber}`,
      ...principal,
      model: 'batch-model',
      provider: status === 'completed' ? 'mock' : null,
      upstreamModel: status === 'completed' ? 'echo' : null,
      status,
      statusCode: status === 'completed' ? 200 : null,
      errorCode: status === 'completed' ? null : 'batch_cancelled',
      errorMessage: null,
      response: null,
      attempts: 1,
      acceptedAt: new Date(settledAt.getTime() - 60_000),
      startedAt: status === 'completed' ? new Date(settledAt.getTime() - 7) : null,
      completedAt: settledAt,
      providerLatencyMs: 5,
      usage: status === 'completed' ? { promptTokens: 3, completionTokens: 2, totalTokens: 5, cost: '0.5' } : null,
    });
    await Promise.all([writer.record(line(1, 'completed')), writer.record(line(2, 'cancelled'))]);
    await Promise.all([writer.record(line(1, 'completed')), writer.record(line(2, 'cancelled'))]);
    const counted = await rollup('batch-model');
    expect(counted).toMatchObject({ requests: 2, errors: 1, prompt_tokens: 3, cost: '0.5000000000' });
    // One latency sample (7 ms, started → settled), none for the cancelled line.
    expect(counted.histogram.map(Number).reduce((sum, count) => sum + count, 0)).toBe(1);
    const { rows } = await handle.pool.query("SELECT batch_id, provider FROM usage_rollups WHERE model = 'batch-model' ORDER BY provider");
    expect(rows).toEqual([
      { batch_id: 'batch_r', provider: '' },
      { batch_id: 'batch_r', provider: 'mock' },
    ]);
  });

  it('takes concurrent writers on the same rollup rows without deadlock or loss', async () => {
    const stores = Array.from({ length: 6 }, () => new ResultStore(handle.db, { maxBatchSize: 7 }));
    const models = ['hot-a', 'hot-b', 'hot-c'];
    await Promise.all(
      Array.from({ length: 300 }, (_unused, index) =>
        stores[index % stores.length]!.record(outcome(`req_hot_${index}`, models[(index * 7) % models.length]!, index % 10 === 0 ? { status: 'failed', statusCode: 502, usage: undefined } : {})),
      ),
    );
    const { rows } = await handle.pool.query("SELECT sum(requests)::int AS requests, sum(errors)::int AS errors, sum(prompt_tokens)::int AS tokens FROM usage_rollups WHERE model LIKE 'hot-%'");
    expect(rows[0]).toEqual({ requests: 300, errors: 30, tokens: 270 * 10 });
  });

  it('the documented corner: a failure later overwritten by a success counts twice until usage:rebuild', async () => {
    const store = new ResultStore(handle.db);
    await store.record(outcome('req_corner', 'corner-model', { status: 'failed', statusCode: 502, usage: undefined }));
    await store.record(outcome('req_corner', 'corner-model'));
    expect(await rollup('corner-model')).toMatchObject({ requests: 2, errors: 1, prompt_tokens: 10 });
    const result = await rebuildUsageRollups(handle.pool, { from: new Date(settledAt.getTime() - 3_600_000), to: new Date(settledAt.getTime() + 1) });
    expect(result).toMatchObject({ from: new Date('2024-06-01T09:00:00Z'), to: new Date('2024-06-01T11:00:00Z') });
    expect(await rollup('corner-model')).toMatchObject({ requests: 1, errors: 0, prompt_tokens: 10, daily_requests: 1 });
    expect(await rollup('dup-model')).toMatchObject({ requests: 1, prompt_tokens: 10, daily_requests: 1 });
  });
});
