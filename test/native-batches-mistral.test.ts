import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MistralBatchServer } from './support/mistral-batch-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** Chat and embeddings batches sent to Mistral's batch jobs API, priced from the catalogue at its discount. */
describe('native batches on Mistral', () => {
  let mistral: MistralBatchServer;
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    mistral = await MistralBatchServer.start({ apiKey: 'mistral-key' });
    harness = await startTestGateway({
      config: {
        providers: { mistral: { type: 'mistral', baseUrl: mistral.baseUrl, apiKey: 'mistral-key', nativeBatch: { enabled: true, pollIntervalMs: 100, discount: '0.5' } } },
        models: {
          large: { routes: [{ provider: 'mistral', model: 'mistral-large-latest' }] },
          embed: { routes: [{ provider: 'mistral', model: 'mistral-embed' }] },
        },
      },
    });
    client = new OpenAI({ apiKey: (await harness.createKey('mistral-native')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await mistral?.close();
  });

  async function waitForStatus(batchId: string, statuses: string[], timeout = 20_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const batch = await client.batches.retrieve(batchId);
      if (statuses.includes(batch.status)) return batch;
      if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function submit(endpoint: '/v1/chat/completions' | '/v1/embeddings', lines: Array<Record<string, unknown>>) {
    const content = lines.map((line) => JSON.stringify(line)).join('\n');
    const file = await client.files.create({ file: new File([content], 'input.jsonl'), purpose: 'batch' });
    return client.batches.create({ input_file_id: file.id, endpoint, completion_window: '24h' });
  }

  it('runs a chat batch through an uploaded file and a batch job, at half the catalogue price', async () => {
    const uploads = mistral.uploads;
    const lines = Array.from({ length: 12 }, (_, index) => ({
      custom_id: `chat-${index}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'large', messages: [{ role: 'user', content: `hello ${index}` }] },
    }));
    const batch = await submit('/v1/chat/completions', lines);
    const done = await waitForStatus(batch.id, ['completed', 'failed']);
    expect(done.request_counts).toEqual({ total: 12, completed: 12, failed: 0 });
    expect(mistral.uploads).toBe(uploads + 1);
    const output = (await (await client.files.content(done.output_file_id ?? '')).text()).trim().split('\n');
    expect(output).toHaveLength(12);
    // 10 prompt + 5 completion tokens at half of (0.50, 1.50) per million: 0.0000025 + 0.00000375.
    const { rows } = await harness.sql.query<{ cost: string; batch_saved: string }>('SELECT u.cost::text AS cost, u.batch_saved::text AS batch_saved FROM usage u WHERE u.batch_id = $1', [batch.id]);
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(row).toEqual({ cost: '0.0000062500', batch_saved: '0.0000062500' });
  });

  it('runs an embeddings batch the same way, vectors in the output file as the sync call returns them', async () => {
    const lines = Array.from({ length: 3 }, (_, index) => ({ custom_id: `emb-${index}`, method: 'POST', url: '/v1/embeddings', body: { model: 'embed', input: [`text ${index}`, 'second'] } }));
    const batch = await submit('/v1/embeddings', lines);
    const done = await waitForStatus(batch.id, ['completed', 'failed']);
    expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    const output = (await (await client.files.content(done.output_file_id ?? '')).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { custom_id: string; response: { status_code: number; body: { object: string; data: Array<{ embedding: number[]; index: number }> } } });
    expect(output.map((line) => line.custom_id).sort()).toEqual(['emb-0', 'emb-1', 'emb-2']);
    for (const line of output) {
      expect(line.response.status_code).toBe(200);
      expect(line.response.body.object).toBe('list');
      expect(line.response.body.data.map((item) => item.index)).toEqual([0, 1]);
      expect(line.response.body.data[0]?.embedding.length).toBeGreaterThan(0);
    }
    const { rows } = await harness.sql.query<{ operation: string; native: boolean }>('SELECT operation, provider_batch_id IS NOT NULL AS native FROM requests WHERE batch_id = $1', [batch.id]);
    expect(rows.every((row) => row.operation === 'embeddings' && row.native)).toBe(true);
  });
});
