import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebhookPayload, deliveryIdFor, serializePayload } from '../src/webhooks/webhook-signing.ts';
import { providerQueueName } from '../src/queues/request-job.ts';
import { parseExposition, sumOf } from './support/prometheus-text.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName } from './support/test-services.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';
import { queuePrefix } from '../src/queues/queue-prefix.ts';

/**
 * The reconciler's periodic pass, with no Redis loss at all: work Postgres says is due but Redis does
 * not hold (a job removed, a job failed for good while its row is unfinished, a delivery whose last
 * write failed) is put back within a period, and runs once. One process of a deployment leads the
 * passes; when it goes, another takes over.
 */
const pricing = { inputPerMillion: '1', outputPerMillion: '2' };
const config = {
  providers: {
    mock: { type: 'mock', latencyMs: 0 },
    // One call at a time, slow: what is queued behind the first call waits in Redis, where the test reaches it.
    slow: { type: 'mock', latencyMs: 2000, concurrency: 1, timeoutMs: 10_000 },
  },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing },
    'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }], pricing },
  },
  webhooks: { allowHosts: ['127.0.0.1'], retryScheduleMs: [50, 100, 100], timeoutMs: 1000 },
  durability: { reconcileIntervalMs: 1000 },
};
const slow = (content: string) => ({ model: 'slow-echo', messages: [{ role: 'user', content }] });

const metric = async (gateway: TestGateway, name: string, labels: Record<string, string> = {}) => {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
  return sumOf(parseExposition(await response.text()), name, labels);
};

describe('the periodic reconcile pass puts back what Redis does not hold', () => {
  let harness: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let queue: Queue;
  let key: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    harness = await startTestGateway({ config });
    queue = new Queue(providerQueueName('slow'), { connection: { url: testRedisUrl() }, prefix: queuePrefix(harness.prefix, providerQueueName('slow')) });
    key = (await harness.createKey('reconcile')).key;
  });
  afterAll(async () => {
    await queue?.close();
    await harness?.close();
    await receiver?.close();
  });

  const submit = async (body: unknown) => {
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, body, key);
    expect(accepted.status).toBe(202);
    return accepted.body.id as string;
  };
  const jobStatus = async (id: string) =>
    (await (await fetch(`${harness.url}/v1/async/chat/completions/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string; response: any };
  const waitForActive = (id: string) => expect.poll(async () => (await queue.getJob(id))?.getState(), { timeout: 5000, interval: 20 }).toBe('active');
  /** Completed through the API, with its answer, and billed exactly once. */
  const expectCompletedOnce = async (id: string, content: string) => {
    await expect.poll(async () => (await jobStatus(id)).status, { timeout: 20_000, interval: 50 }).toBe('completed');
    expect((await jobStatus(id)).response.choices[0].message.content).toBe(content);
    const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE request_id = $1', [id]);
    expect(rows[0].n).toBe(1);
  };

  it('a webhook delivery left pending with no job (its last attempt could not record itself) is sent, and its attempts go on from the record', async () => {
    const rotated = await fetch(`${harness.url}/admin/projects/reconcile/webhook-secret`, { method: 'POST', headers: { authorization: `Bearer ${testAdminKey}` } });
    const { secret } = (await rotated.json()) as { secret: string };
    const url = receiver.route('/lost', { secret });
    const { rows: projects } = await harness.sql.query<{ id: string }>("SELECT id FROM projects WHERE name = 'reconcile'");
    const projectId = projects[0]!.id;
    // Two attempts on record (500s), the third sent but never recorded: still pending, due now, and no job.
    const id = deliveryIdFor({ projectId, subjectId: 'job_lost', type: 'job.completed' });
    const payload = buildWebhookPayload({ id, type: 'job.completed', data: { id: 'job_lost', object: 'chat.completion.job', status: 'completed' }, occurredAt: new Date() });
    await harness.sql.query(
      `INSERT INTO webhook_deliveries (id, project_id, event_type, subject_id, url, payload, status, attempts, last_status_code, last_error, next_attempt_at)
       VALUES ($1, $2, 'job.completed', 'job_lost', $3, $4, 'pending', 2, 500, 'HTTP 500', now())`,
      [id, projectId, url, JSON.stringify(payload)],
    );
    await harness.sql.query("INSERT INTO webhook_attempts (delivery_id, attempt, status_code, latency_ms, error) VALUES ($1, 1, 500, 3, 'HTTP 500'), ($1, 2, 500, 3, 'HTTP 500')", [id]);

    await expect.poll(async () => (await harness.sql.query('SELECT status FROM webhook_deliveries WHERE id = $1', [id])).rows[0].status, { timeout: 5000, interval: 50 }).toBe('delivered');
    const received = receiver.received('/lost');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ verified: true, body: serializePayload(payload), headers: { 'webhook-id': id } });
    const { rows } = await harness.sql.query('SELECT attempts, last_status_code, next_attempt_at FROM webhook_deliveries WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ attempts: 3, last_status_code: 200, next_attempt_at: null });
    const { rows: attempts } = await harness.sql.query('SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt', [id]);
    expect(attempts).toEqual([
      { attempt: 1, status_code: 500 },
      { attempt: 2, status_code: 500 },
      { attempt: 3, status_code: 200 },
    ]);
    expect(await metric(harness, 'gateway_reconcile_restored_total', { task: 'webhook-deliveries' })).toBeGreaterThanOrEqual(1);
  });

  it('an async job whose BullMQ job was removed from its queue still completes, billed once', async () => {
    const restoredBefore = await metric(harness, 'gateway_reconcile_restored_total', { task: 'async-jobs' });
    const first = await submit(slow('first'));
    const removed = await submit(slow('removed'));
    await waitForActive(first);
    // Behind the one slot, still waiting: gone from Redis, while Postgres says queued.
    expect(['waiting', 'prioritized']).toContain(await (await queue.getJob(removed))?.getState());
    expect(await queue.remove(removed)).toBe(1);
    expect(await queue.getJob(removed)).toBeUndefined();

    await expectCompletedOnce(first, 'first');
    await expectCompletedOnce(removed, 'removed');
    expect(await metric(harness, 'gateway_reconcile_restored_total', { task: 'async-jobs' })).toBeGreaterThan(restoredBefore);
  });

  it("an async job failed for good in BullMQ's failed set while Postgres says queued is queued again, billed once", async () => {
    const restoredBefore = await metric(harness, 'gateway_reconcile_restored_total', { task: 'async-jobs' });
    const blocker = await submit(slow('blocker'));
    const failed = await submit(slow('failed in Redis'));
    await waitForActive(blocker);
    // A worker of the test's own takes the waiting job and fails it for good, without touching Postgres.
    const manual = new Worker(providerQueueName('slow'), null, { connection: { url: testRedisUrl() }, prefix: queuePrefix(harness.prefix, providerQueueName('slow')), autorun: false });
    try {
      const token = uniqueName('manual');
      const taken = await manual.getNextJob(token, { block: false });
      expect(taken?.id).toBe(failed);
      await taken!.moveToFailed(new UnrecoverableError('failed while its record stayed unfinished'), token);
      expect(await (await queue.getJob(failed))?.getState()).toBe('failed');
    } finally {
      await manual.close();
    }
    const { rows } = await harness.sql.query('SELECT status FROM requests WHERE id = $1', [failed]);
    expect(['queued', 'in_progress']).toContain(rows[0].status);

    await expectCompletedOnce(blocker, 'blocker');
    await expectCompletedOnce(failed, 'failed in Redis');
    expect(await metric(harness, 'gateway_reconcile_restored_total', { task: 'async-jobs' })).toBeGreaterThan(restoredBefore);
  });
});

describe('reconciler leadership', () => {
  it('two processes of one deployment: exactly one leads the passes; when it closes, the other takes over within a few periods', async () => {
    const database = await createTestDatabase('leader');
    const prefix = uniqueName('leader');
    const running = new Set<TestGateway>();
    try {
      for (let index = 0; index < 2; index += 1) running.add(await startTestGateway({ config, database, prefix }));
      const [first, second] = [...running] as [TestGateway, TestGateway];
      const passes = (gateway: TestGateway) => metric(gateway, 'gateway_reconcile_passes_total');

      // Three passes led by one of them: the other tried for the lock on each period meanwhile.
      await expect.poll(async () => Math.max(await passes(first), await passes(second)), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(3);
      const counts = [await passes(first), await passes(second)];
      expect(counts.filter((count) => count > 0)).toHaveLength(1);
      const [leader, follower] = counts[0]! > 0 ? [first, second] : [second, first];

      await leader.close();
      running.delete(leader);
      await expect.poll(() => passes(follower), { timeout: 4000, interval: 100 }).toBeGreaterThan(0);
      expect(await metric(follower, 'gateway_reconcile_passes_total', { reason: 'leadership' })).toBe(1);
      // And it goes on leading, period after period.
      await expect.poll(() => metric(follower, 'gateway_reconcile_passes_total', { reason: 'period' }), { timeout: 5000, interval: 100 }).toBeGreaterThanOrEqual(2);
    } finally {
      for (const gateway of running) await gateway.close();
      await database.drop();
      await deleteRedisPrefix(prefix);
    }
  });
});
