import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../src/auth/api-key-store.ts';
import { BatchResultWriter, type BatchLineOutcome } from '../src/records/batch-result-writer.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { insertAsyncJob } from '../src/async-jobs/async-jobs.ts';
import { latencyBoundsMs } from '../src/usage/latency-buckets.ts';
import { rebuildUsageRollups } from '../src/usage/rebuild-usage-rollups.ts';
import { queryUsage } from '../src/usage/usage-report.ts';
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
    format: 'chat',
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

  it('keeps an unknown cost NULL: out of the cost sums, counted apart, from sync outcomes and batch lines alike, and usage:rebuild agrees', async () => {
    const unknown = { promptTokens: 10, completionTokens: 5, totalTokens: 15, cost: '0', costUnknown: true as const };
    await new ResultStore(handle.db).record(outcome('req_unknown_1', 'unknown-model', { usage: unknown }));
    await new ResultStore(handle.db).record(outcome('req_known_1', 'unknown-model'));
    await new BatchResultWriter(handle.pool, async () => {}).record({
      ...outcome('batch_req_unknown_1', 'unknown-model', { usage: unknown }),
      kind: 'batch',
      batchId: 'batch_unknown',
      lineNumber: 1,
      customId: 'c1',
      errorCode: null,
      errorMessage: null,
      response: null,
      providerLatencyMs: 5,
    });
    const { rows } = await handle.pool.query("SELECT request_id, cost::text FROM usage WHERE model = 'unknown-model' ORDER BY request_id");
    expect(rows).toEqual([
      { request_id: 'batch_req_unknown_1', cost: null },
      { request_id: 'req_known_1', cost: '0.0001000000' },
      { request_id: 'req_unknown_1', cost: null },
    ]);
    const counted = async () =>
      (
        await handle.pool.query(
          `SELECT sum(requests)::int AS requests, sum(cost)::text AS cost, sum(cost_unknown_requests)::int AS unknown,
                  (SELECT sum(cost_unknown_requests)::int FROM usage_daily_rollups WHERE model = 'unknown-model') AS daily_unknown
           FROM usage_rollups WHERE model = 'unknown-model'`,
        )
      ).rows[0];
    expect(await counted()).toEqual({ requests: 3, cost: '0.0001000000', unknown: 2, daily_unknown: 2 });
    await rebuildUsageRollups(handle.pool, { from: new Date(settledAt.getTime() - 3_600_000), to: new Date(settledAt.getTime() + 3_600_000) });
    expect(await counted()).toEqual({ requests: 3, cost: '0.0001000000', unknown: 2, daily_unknown: 2 });
  });

  it('counts an async job once, when it settles', async () => {
    const request = { model: 'async-model', messages: [{ role: 'user' as const, content: 'x' }] };
    await insertAsyncJob(handle.pool, { id: 'req_async', ...principal, request, format: 'chat', webhookUrl: null, acceptedAt: new Date(settledAt.getTime() - 500) });
    expect((await rollup('async-model')).requests).toBeNull();
    await new ResultStore(handle.db).record(outcome('req_async', 'async-model', { kind: 'async', acceptedAt: new Date(settledAt.getTime() - 500) }));
    expect(await rollup('async-model')).toMatchObject({ requests: 1, errors: 0, prompt_tokens: 10 });
  });

  it('counts a batch line once however often its chunk re-runs; a line that never started has no latency', async () => {
    const writer = new BatchResultWriter(handle.pool, async () => {});
    const line = (lineNumber: number, status: BatchLineOutcome['status']): BatchLineOutcome => ({
      kind: 'batch',
      format: 'chat',
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

  it("splits lines served by a provider's batch API (served_by batch_api, with what they saved) from the gateway's, and usage:rebuild agrees", async () => {
    const nativeAt = new Date('2024-06-02T10:20:00.000Z');
    const line = (lineNumber: number, extra: Partial<BatchLineOutcome>): BatchLineOutcome => ({
      kind: 'batch',
      format: 'chat',
      requestId: `batch_req_native_${lineNumber}`,
      batchId: 'batch_native',
      lineNumber,
      customId: `c${lineNumber}`,
      ...principal,
      model: 'native-model',
      provider: 'mock',
      upstreamModel: 'echo',
      status: 'completed',
      statusCode: 200,
      attempts: 1,
      acceptedAt: new Date(nativeAt.getTime() - 60_000),
      startedAt: new Date(nativeAt.getTime() - 30_000),
      completedAt: nativeAt,
      ...extra,
    });
    const writer = new BatchResultWriter(handle.pool, async () => {});
    await Promise.all([
      writer.record(line(1, { providerBatchId: 'pb_1', usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120, cost: '0.0005', batchSaved: '0.0005' } })),
      writer.record(line(2, { providerBatchId: 'pb_1', usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12, cost: '0.00005', batchSaved: '0.00004' } })),
      writer.record(line(3, { providerBatchId: 'pb_1', status: 'failed', statusCode: 400, errorCode: 'provider_error', usage: null })),
      writer.record(line(4, { usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12, cost: '0.0001' } })),
    ]);
    await new ResultStore(handle.db).record(outcome('req_native_sync', 'native-model', { acceptedAt: new Date(nativeAt.getTime() - 40), startedAt: null, completedAt: nativeAt }));

    const stored = await handle.pool.query(
      "SELECT r.id, r.provider_batch_id, u.batch_saved::text FROM requests r LEFT JOIN usage u ON u.request_id = r.id WHERE r.model = 'native-model' ORDER BY r.id",
    );
    expect(stored.rows).toEqual([
      { id: 'batch_req_native_1', provider_batch_id: 'pb_1', batch_saved: '0.0005000000' },
      { id: 'batch_req_native_2', provider_batch_id: 'pb_1', batch_saved: '0.0000400000' },
      { id: 'batch_req_native_3', provider_batch_id: 'pb_1', batch_saved: null },
      { id: 'batch_req_native_4', provider_batch_id: null, batch_saved: '0.0000000000' },
      { id: 'req_native_sync', provider_batch_id: null, batch_saved: '0.0000000000' },
    ]);

    const range = { from: new Date('2024-06-02T00:00:00Z'), to: new Date('2024-06-03T00:00:00Z') };
    const report = await queryUsage(handle.pool, { range, groups: ['served_by', 'batch'], projectId: principal.projectId });
    expect(report.data.map(({ latency_ms: _latency, ...counters }) => counters)).toEqual([
      {
        served_by: 'batch_api',
        batch_id: 'batch_native',
        requests: 3,
        errors: 1,
        cache_hits: 0,
        input_tokens: 110,
        cached_input_tokens: 0,
        output_tokens: 22,
        cost: '0.00055',
        cost_unknown_requests: 0,
        cost_saved: '0',
        batch_saved: '0.00054',
      },
      {
        served_by: 'gateway',
        batch_id: null,
        requests: 1,
        errors: 0,
        cache_hits: 0,
        input_tokens: 10,
        cached_input_tokens: 0,
        output_tokens: 5,
        cost: '0.0001',
        cost_unknown_requests: 0,
        cost_saved: '0',
        batch_saved: '0',
      },
      {
        served_by: 'gateway',
        batch_id: 'batch_native',
        requests: 1,
        errors: 0,
        cache_hits: 0,
        input_tokens: 10,
        cached_input_tokens: 0,
        output_tokens: 2,
        cost: '0.0001',
        cost_unknown_requests: 0,
        cost_saved: '0',
        batch_saved: '0',
      },
    ]);
    expect(report.total).toMatchObject({ requests: 5, errors: 1, cost: '0.00075', batch_saved: '0.00054' });

    const snapshot = async () => ({
      hourly: (await handle.pool.query("SELECT * FROM usage_rollups WHERE model = 'native-model' ORDER BY hour, project_id, api_key_id, model, provider, served_by, batch_id, routing_rule")).rows,
      daily: (await handle.pool.query("SELECT * FROM usage_daily_rollups WHERE model = 'native-model' ORDER BY day, project_id, api_key_id, model, provider, served_by, batch_id, routing_rule")).rows,
    });
    const before = await snapshot();
    expect(before.hourly.map((row) => [row.served_by, row.batch_id, row.batch_saved])).toEqual([
      ['batch_api', 'batch_native', '0.0005400000'],
      ['gateway', '', '0.0000000000'],
      ['gateway', 'batch_native', '0.0000000000'],
    ]);
    await handle.pool.query("DELETE FROM usage_rollups WHERE model = 'native-model'");
    await handle.pool.query("DELETE FROM usage_daily_rollups WHERE model = 'native-model'");
    await rebuildUsageRollups(handle.pool, range);
    expect(await snapshot()).toEqual(before);
  });

  it('keeps client formats apart: sync, async and billed-later outcomes and batch lines, and usage:rebuild agrees', async () => {
    const at = new Date('2024-06-03T10:20:00.000Z');
    const times = { acceptedAt: new Date(at.getTime() - 40), startedAt: new Date(at.getTime() - 30), completedAt: at };
    const store = new ResultStore(handle.db);
    await store.record(outcome('req_fmt_chat', 'format-model', times));
    // Recorded completed without usage, then billed by a later report: the tokens go to its format.
    await store.record(outcome('req_fmt_messages', 'format-model', { ...times, format: 'messages', usage: undefined }));
    await store.record(outcome('req_fmt_messages', 'format-model', { ...times, format: 'messages' }));
    // An async job keeps the format and warnings it was accepted with until its outcome writes the whole list.
    const request = { model: 'format-model', messages: [{ role: 'user' as const, content: 'x' }] };
    await insertAsyncJob(handle.pool, { id: 'req_fmt_async', ...principal, request, format: 'responses', conversionWarnings: ['truncation: dropped'], webhookUrl: null, acceptedAt: times.acceptedAt });
    expect((await handle.pool.query("SELECT format, warnings FROM requests WHERE id = 'req_fmt_async'")).rows).toEqual([{ format: 'responses', warnings: ['truncation: dropped'] }]);
    await store.record(outcome('req_fmt_async', 'format-model', { ...times, kind: 'async', format: 'responses', warnings: ['truncation: dropped', 'temperature clamped'] }));
    const writer = new BatchResultWriter(handle.pool, async () => {});
    await writer.record({
      ...outcome('batch_req_fmt_1', 'format-model', times),
      kind: 'batch',
      format: 'responses',
      batchId: 'batch_fmt',
      lineNumber: 1,
      customId: 'c1',
    });

    const stored = await handle.pool.query("SELECT id, format, warnings FROM requests WHERE model = 'format-model' ORDER BY id");
    expect(stored.rows).toEqual([
      { id: 'batch_req_fmt_1', format: 'responses', warnings: null },
      { id: 'req_fmt_async', format: 'responses', warnings: ['truncation: dropped', 'temperature clamped'] },
      { id: 'req_fmt_chat', format: 'chat', warnings: null },
      { id: 'req_fmt_messages', format: 'messages', warnings: null },
    ]);
    const range = { from: new Date('2024-06-03T00:00:00Z'), to: new Date('2024-06-04T00:00:00Z') };
    const report = await queryUsage(handle.pool, { range, groups: ['format'], projectId: principal.projectId });
    expect(report.data.map((row) => [row.format, row.requests, row.input_tokens])).toEqual([
      ['responses', 2, 20],
      ['chat', 1, 10],
      ['messages', 1, 10],
    ]);

    const snapshot = async () => ({
      hourly: (await handle.pool.query("SELECT * FROM usage_rollups WHERE model = 'format-model' ORDER BY hour, project_id, api_key_id, model, provider, served_by, format, batch_id, routing_rule"))
        .rows,
      daily: (
        await handle.pool.query("SELECT * FROM usage_daily_rollups WHERE model = 'format-model' ORDER BY day, project_id, api_key_id, model, provider, served_by, format, batch_id, routing_rule")
      ).rows,
    });
    const before = await snapshot();
    expect(before.hourly.map((row) => [row.format, row.batch_id, row.requests])).toEqual([
      ['chat', '', 1],
      ['messages', '', 1],
      ['responses', '', 1],
      ['responses', 'batch_fmt', 1],
    ]);
    await handle.pool.query("DELETE FROM usage_rollups WHERE model = 'format-model'");
    await handle.pool.query("DELETE FROM usage_daily_rollups WHERE model = 'format-model'");
    await rebuildUsageRollups(handle.pool, range);
    expect(await snapshot()).toEqual(before);
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
