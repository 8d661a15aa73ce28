import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fairSharePriority } from '../src/batches/batch-control-processor.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

const jsonl = (count: number, label: string) =>
  Array.from({ length: count }, (_unused, index) =>
    JSON.stringify({ custom_id: `${label}-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'slow-echo', messages: [{ role: 'user', content: `${label} ${index}` }] } }),
  ).join('\n') + '\n';

/** Chunks of different batches on one provider queue are served round-robin (BullMQ priority = ordinal). */
describe('fair share between batches', () => {
  let harness: TestGateway;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        providers: { slow: { type: 'mock', latencyMs: 40, concurrency: 4, timeoutMs: 5000 } },
        models: { 'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }] } },
        batches: { chunkSize: 4 },
      },
    });
  });
  afterAll(async () => harness?.close());

  it('priorities are chunk ordinals, capped at BullMQ maximum', () => {
    expect([1, 2, 40].map(fairSharePriority)).toEqual([1, 2, 40]);
    expect(fairSharePriority(5_000_000)).toBe(2_097_151);
  });

  it("a small batch submitted after a big one (another project's) completes long before it", async () => {
    const big = new OpenAI({ apiKey: (await harness.createKey('big-project')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const small = new OpenAI({ apiKey: (await harness.createKey('small-project')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const bigFile = await big.files.create({ file: await toFile(Buffer.from(jsonl(400, 'big')), 'big.jsonl'), purpose: 'batch' });
    const smallFile = await small.files.create({ file: await toFile(Buffer.from(jsonl(8, 'small')), 'small.jsonl'), purpose: 'batch' });

    const bigBatch = await big.batches.create({ input_file_id: bigFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    // The big batch is fanned out and running before the small one arrives.
    await expect.poll(async () => (await big.batches.retrieve(bigBatch.id)).request_counts?.completed ?? 0, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    const smallBatch = await small.batches.create({ input_file_id: smallFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' });

    await expect.poll(async () => (await small.batches.retrieve(smallBatch.id)).status, { timeout: 20_000, interval: 20 }).toBe('completed');
    const bigWhenSmallDone = await big.batches.retrieve(bigBatch.id);
    expect(bigWhenSmallDone.status).toBe('in_progress');
    // First-in-first-out would have run all 400 big lines first; round-robin leaves most of them.
    expect(bigWhenSmallDone.request_counts!.completed).toBeLessThan(200);

    await expect.poll(async () => (await big.batches.retrieve(bigBatch.id)).status, { timeout: 30_000, interval: 100 }).toBe('completed');
    expect((await small.batches.retrieve(smallBatch.id)).request_counts).toEqual({ total: 8, completed: 8, failed: 0 });
  });
});
