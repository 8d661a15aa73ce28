import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchLedger, exactlyOnce } from './support/batch-ledger.ts';
import { OwnPostgresCluster } from './support/own-postgres-cluster.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { uniqueName } from './support/test-services.ts';

/**
 * Postgres is the record: when it restarts (a fast shutdown, as an operator's restart or a failover
 * cuts every connection) workers keep their finished results in memory and write them once it is
 * back, so a batch running through the restart completes with each line once and billed once. While
 * it is down, submissions are refused with 503 and Retry-After rather than half-created. The gateway
 * runs against a Postgres cluster of this file's own, so nothing here touches the shared server.
 */
const pricing = { inputPerMillion: '1', outputPerMillion: '2' };
const config = {
  providers: { mock: { type: 'mock', latencyMs: 5, concurrency: 8 } },
  models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing } },
  batches: { chunkSize: 25 },
};
const lines = 1500;
const request = (content: string) => ({ model: 'mock-echo', messages: [{ role: 'user', content }] });

describe('a Postgres restart', () => {
  let cluster: OwnPostgresCluster | undefined;
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    cluster = await OwnPostgresCluster.start();
    const name = uniqueName('pgrestart');
    const url = await cluster.createDatabase(name);
    // The whole cluster goes at the end: nothing to drop database by database.
    harness = await startTestGateway({ config, database: { url, name, drop: async () => {} }, environment: { DATABASE_URL: url } });
    // This file's own pool sees the restart too: an idle client's error must not crash the test.
    harness.sql.on('error', () => {});
    key = (await harness.createKey('restart')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await cluster?.stop();
  });

  const headers = () => ({ authorization: `Bearer ${key}` });
  /** The batch's status and lines done through the API, or undefined while it answers otherwise (503 in the outage). */
  const readBatch = async (batchId: string) => {
    try {
      const response = await fetch(`${harness.url}/v1/batches/${batchId}`, { headers: headers() });
      if (response.status !== 200) return undefined;
      const batch = (await response.json()) as { status: string; request_counts: { completed: number; failed: number } };
      return { status: batch.status, done: batch.request_counts.completed + batch.request_counts.failed };
    } catch {
      return undefined;
    }
  };
  const download = async (fileId: string) => (await fetch(`${harness.url}/v1/files/${fileId}/content`, { headers: headers() })).text();
  const readiness = async () => {
    const response = await fetch(`${harness.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
  };

  const recorded = async () => {
    const { rows } = await harness.sql.query<{ batches: number; jobs: number }>(
      "SELECT (SELECT count(*) FROM batches)::int AS batches, (SELECT count(*) FROM requests WHERE kind = 'async')::int AS jobs",
    );
    return rows[0]!;
  };

  it('a restart mid-batch (down for a second): the batch completes, each line once, billed once', async () => {
    const requests = Array.from({ length: lines }, (_unused, index) => ({ custom_id: `line-${index}`, body: request(`line ${index}`) }));
    const created = await postJson(`${harness.url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests }, key);
    expect(created.status).toBe(200);
    const batchId = created.body.id as string;

    await expect.poll(async () => (await readBatch(batchId))?.done ?? 0, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(lines * 0.3);
    // Lines are still running when the connections are cut.
    expect((await readBatch(batchId))?.done).toBeLessThan(lines);
    await cluster?.restart(1000);

    await expect.poll(async () => (await readBatch(batchId))?.status, { timeout: 45_000, interval: 100 }).toBe('completed');
    const ledger = await batchLedger({ sql: harness.sql, batchId, download });
    expect(ledger).toMatchObject(exactlyOnce(lines));
  });

  it('Postgres down: submissions get 503 service_unavailable with Retry-After, readiness says postgres is failing; all answer again once it is back', async () => {
    // A key in use: authenticated just now, so the probes below reach what each submission writes.
    expect((await postJson(`${harness.url}/v1/chat/completions`, request('warm'), key)).status).toBe(200);
    const before = await recorded();
    const downMs = 8000;
    let back = false;
    const restarted = cluster!.restart(downMs).then(() => {
      back = true;
    });
    try {
      await expect.poll(async () => (await readiness()).body.checks.postgres, { timeout: 10_000, interval: 50 }).toBe('failing');
      const ready = await readiness();
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'not_ready', checks: { postgres: 'failing', redis: 'ok' } });

      // A probe answered only once Postgres is back has waited for it instead of refusing.
      const probe = async (path: string, body: unknown) => {
        const startedAt = Date.now();
        const answer = await postJson(`${harness.url}${path}`, body, key).catch((error: unknown) => ({ status: 0, headers: new Headers(), body: { error: { code: String(error) } } }));
        return { path, status: answer.status, code: answer.body?.error?.code, retryAfter: answer.headers.get('retry-after'), ms: Date.now() - startedAt, answeredWhileDown: !back };
      };
      const probes = await Promise.all([
        probe('/v1/batches', { endpoint: '/v1/chat/completions', completion_window: '24h', requests: [{ custom_id: 'down', body: request('down') }] }),
        probe('/v1/async/chat/completions', request('down')),
        probe('/v1/chat/completions', request('down')),
      ]);
      // Soft: each submission's verdict is reported, and the recovery below is checked whatever they said.
      for (const answer of probes) {
        expect.soft({ path: answer.path, status: answer.status, code: answer.code, answeredWhileDown: answer.answeredWhileDown }, `answered after ${answer.ms} ms`).toEqual({
          path: answer.path,
          status: 503,
          code: 'service_unavailable',
          answeredWhileDown: true,
        });
        if (answer.status === 503) expect.soft(Number(answer.retryAfter)).toBeGreaterThan(0);
      }
    } finally {
      await restarted;
    }

    await expect.poll(async () => (await readiness()).status, { timeout: 15_000, interval: 100 }).toBe(200);
    const batch = await postJson(`${harness.url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests: [{ custom_id: 'up', body: request('up') }] }, key);
    const job = await postJson(`${harness.url}/v1/async/chat/completions`, request('up'), key);
    const call = await postJson(`${harness.url}/v1/chat/completions`, request('up'), key);
    expect([batch.status, job.status, call.status]).toEqual([200, 202, 200]);
    expect(call.body.choices[0].message.content).toBe('up');
    await expect.poll(async () => (await readBatch(batch.body.id))?.status, { timeout: 15_000, interval: 50 }).toBe('completed');
    // Nothing the refused submissions carried was recorded: only the two made after the restart are new.
    expect(await recorded()).toEqual({ batches: before.batches + 1, jobs: before.jobs + 1 });
  });
});
