import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../src/auth/api-key-store.ts';
import { batchRequestId } from '../src/batches/batch-object.ts';
import { BatchResultWriter, type BatchLineOutcome } from '../src/records/batch-result-writer.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { SettledRequests } from '../src/observability/settled-requests.ts';
import { createTestDatabase, type TestDatabase } from './support/test-services.ts';

/** Batch lines are recorded, billed and counted exactly once, however often a chunk re-runs. */
describe('batch result writer', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let principal: { projectId: string; apiKeyId: string };
  const done: string[] = [];
  let writer: BatchResultWriter;

  beforeAll(async () => {
    database = await createTestDatabase('batchwriter');
    handle = createDatabase({ url: database.url, maxConnections: 4 });
    await runMigrations(handle.pool);
    const created = await new ApiKeyStore({ db: handle.db, redis: {} as Redis, prefix: 'unused' }).createKey({ name: 'k', project: 'p' });
    principal = { projectId: created.project_id, apiKeyId: created.id };
    await handle.pool.query("INSERT INTO files (id, project_id, filename, purpose, kind, bytes, line_count) VALUES ('file-w', $1, 'in.jsonl', 'batch', 'upload', 10, 3)", [principal.projectId]);
    await handle.pool.query(
      "INSERT INTO batches (id, project_id, api_key_id, endpoint, input_file_id, completion_window, status, expires_at, total_count) VALUES ('batch_w', $1, $2, '/v1/chat/completions', 'file-w', '24h', 'in_progress', now() + interval '1 day', 3)",
      [principal.projectId, principal.apiKeyId],
    );
    writer = new BatchResultWriter(handle.pool, async (ids) => {
      done.push(...ids);
    });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  const outcome = (lineNumber: number, status: BatchLineOutcome['status']): BatchLineOutcome => ({
    kind: 'batch',
    format: 'chat',
    requestId: batchRequestId('batch_w', lineNumber),
    batchId: 'batch_w',
    lineNumber,
    customId: `c${lineNumber}`,
    ...principal,
    model: 'mock-echo',
    provider: 'mock',
    upstreamModel: 'echo',
    status,
    statusCode: status === 'completed' ? 200 : 502,
    errorCode: status === 'completed' ? null : 'provider_error',
    errorMessage: status === 'completed' ? null : 'boom',
    response: status === 'completed' ? { id: 'x', object: 'chat.completion' } : null,
    attempts: 1,
    acceptedAt: new Date(),
    startedAt: new Date(),
    completedAt: new Date(),
    providerLatencyMs: 3,
    usage: status === 'completed' ? { promptTokens: 10, completionTokens: 5, totalTokens: 15, cost: '0.0000200000' } : null,
  });
  const batchRow = async () => (await handle.pool.query('SELECT completed_count, failed_count, prompt_tokens, completion_tokens, cost::text FROM batches WHERE id = $1', ['batch_w'])).rows[0];

  it('counts and bills a line written several times (concurrently and later) once', async () => {
    await Promise.all([writer.record(outcome(1, 'completed')), writer.record(outcome(1, 'completed')), writer.record(outcome(2, 'failed'))]);
    await writer.record(outcome(1, 'completed'));
    // A later different verdict for a recorded line changes nothing either.
    await writer.record(outcome(2, 'completed'));
    expect(await batchRow()).toEqual({ completed_count: 1, failed_count: 1, prompt_tokens: 10, completion_tokens: 5, cost: '0.0000200000' });
    const { rows } = await handle.pool.query("SELECT count(*)::int AS n FROM usage WHERE batch_id = 'batch_w'");
    expect(rows[0].n).toBe(1);
    expect(done).toEqual([]);
  });

  it('counts a line once when one write holds it twice (two runs of its chunk at once)', async () => {
    await handle.pool.query(
      "INSERT INTO batches (id, project_id, api_key_id, endpoint, input_file_id, completion_window, status, expires_at, total_count) VALUES ('batch_d', $1, $2, '/v1/chat/completions', 'file-w', '24h', 'in_progress', now() + interval '1 day', 3)",
      [principal.projectId, principal.apiKeyId],
    );
    const single = new BatchResultWriter(handle.pool, async () => {}, { maxInFlight: 1 });
    const line = (lineNumber: number, status: BatchLineOutcome['status']) => ({ ...outcome(lineNumber, status), batchId: 'batch_d', requestId: batchRequestId('batch_d', lineNumber) });
    // The first write goes alone; the next three queue behind it and go as one statement.
    await Promise.all([single.record(line(1, 'completed')), single.record(line(2, 'failed')), single.record(line(2, 'completed')), single.record(line(2, 'completed'))]);
    const { rows } = await handle.pool.query("SELECT completed_count, failed_count, cost::text FROM batches WHERE id = 'batch_d'");
    expect(rows[0]).toEqual({ completed_count: 2, failed_count: 0, cost: '0.0000400000' });
    const { rows: hourly } = await handle.pool.query("SELECT sum(requests)::int AS requests FROM usage_rollups WHERE batch_id = 'batch_d'");
    expect(hourly[0].requests).toBe(2);
  });

  it('tells metrics and the request log of each line once, however often it is written', async () => {
    await handle.pool.query(
      "INSERT INTO batches (id, project_id, api_key_id, endpoint, input_file_id, completion_window, status, expires_at, total_count) VALUES ('batch_m', $1, $2, '/v1/chat/completions', 'file-w', '24h', 'in_progress', now() + interval '1 day', 3)",
      [principal.projectId, principal.apiKeyId],
    );
    const settled = new SettledRequests(createLogger('silent'));
    const told: string[] = [];
    settled.subscribe((requests) => told.push(...requests.map((request) => request.requestId)));
    const observed = new BatchResultWriter(handle.pool, async () => {}, { settled });
    const line = (lineNumber: number) => ({ ...outcome(lineNumber, 'completed'), batchId: 'batch_m', requestId: batchRequestId('batch_m', lineNumber) });
    await Promise.all([observed.record(line(1)), observed.record(line(2)), observed.record(line(2))]);
    // A chunk run again (after a crash, or put back after Redis lost it) writes its lines again.
    await Promise.all([observed.record(line(1)), observed.record(line(2))]);
    expect(told.sort()).toEqual([batchRequestId('batch_m', 1), batchRequestId('batch_m', 2)]);
  });

  it('reports the batch as done when its last line is recorded', async () => {
    await writer.record(outcome(3, 'expired'));
    expect(done).toEqual(['batch_w']);
    expect(await batchRow()).toMatchObject({ completed_count: 1, failed_count: 2 });
  });
});
