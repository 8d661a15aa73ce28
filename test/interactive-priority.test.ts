import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** Interactive traffic is served ahead of batch traffic on the same provider. */
describe('sync calls overtake a queued batch', () => {
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        providers: { slow: { type: 'mock', latencyMs: 150, concurrency: 2, maxAttempts: 1 } },
        models: { 'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }] } },
      },
    });
    key = (await harness.createKey('priority')).key;
  });
  afterAll(async () => harness?.close());

  const batchCounts = async (id: string) =>
    (await (await fetch(`${harness.url}/v1/batches/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string; request_counts: { completed: number; failed: number } };

  it('answers a sync request while most of an earlier batch still waits for the same provider', async () => {
    const requests = Array.from({ length: 40 }, (_unused, index) => ({ custom_id: `b${index}`, body: { model: 'slow-echo', messages: [{ role: 'user', content: `line ${index}` }] } }));
    const batch = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/chat/completions' }, key);
    expect(batch.status).toBe(200);
    // The batch is running and holding the provider.
    await expect.poll(async () => (await batchCounts(batch.body.id)).request_counts.completed, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(1);

    const sync = await postJson(`${harness.url}/v1/chat/completions`, { model: 'slow-echo', messages: [{ role: 'user', content: 'me first' }] }, key);
    expect(sync.status).toBe(200);
    expect(sync.body.choices[0].message.content).toBe('me first');

    // Served in FIFO order the sync call would have waited behind all 40 lines (2 slots × 150 ms each).
    const afterSync = await batchCounts(batch.body.id);
    expect(afterSync.status).not.toBe('completed');
    expect(afterSync.request_counts.completed + afterSync.request_counts.failed).toBeLessThan(20);

    await expect.poll(async () => (await batchCounts(batch.body.id)).status, { timeout: 20_000, interval: 100 }).toBe('completed');
  });
});
