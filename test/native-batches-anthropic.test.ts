import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBatchServer } from './support/anthropic-batch-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

const chatLine = (customId: string, content: string, model = 'claude') => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }], max_tokens: 50 },
});

/** Batches sent to Anthropic's Message Batches API by the gateway itself, end to end. */
describe('native batches on Anthropic', () => {
  let anthropic: AnthropicBatchServer;
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    anthropic = await AnthropicBatchServer.start();
    harness = await startTestGateway({
      config: {
        providers: {
          anthropic: { type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: 'sk-ant-test', nativeBatch: { enabled: true, pollIntervalMs: 100 } },
          mock: { type: 'mock' },
        },
        models: {
          claude: { routes: [{ provider: 'anthropic', model: 'claude-haiku-5-5' }], pricing: { inputPerMillion: '1', outputPerMillion: '4' } },
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
        },
      },
    });
    client = new OpenAI({ apiKey: (await harness.createKey('native')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await anthropic?.close();
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

  it('sends a 24h batch to the provider once, and prices every line at the batch price', async () => {
    const lines = Array.from({ length: 20 }, (_, index) => chatLine(`line-${index}`, `question ${index}`));
    const response = await fetch(`${harness.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: '/v1/chat/completions', completion_window: '24h', requests: lines }),
    });
    expect(response.status).toBe(200);
    const created = (await response.json()) as { id: string };
    const done = await waitForStatus(created.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
    expect(anthropic.creates).toBe(1);
    expect([...anthropic.requestsReceived.values()].every((count) => count === 1)).toBe(true);
    expect(anthropic.requestsReceived.size).toBe(20);

    const output = await (await client.files.content(done.output_file_id ?? '')).text();
    const results = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { custom_id: string; response: { status_code: number; body: { choices: Array<{ message: { content: string } }> } } });
    expect(results).toHaveLength(20);
    const byId = new Map(results.map((result) => [result.custom_id, result]));
    expect(byId.get('line-7')?.response.status_code).toBe(200);
    expect(byId.get('line-7')?.response.body.choices[0]?.message.content).toContain('question 7');

    // 10 input and 5 output tokens a line at half of (1, 4) USD per million: 0.000005 + 0.00001 = 0.000015
    // each, against 0.00003 at the sync price.
    const { rows } = await harness.sql.query<{ cost: string; batch_saved: string; provider_batch_id: string | null; provider: string }>(
      'SELECT u.cost::text AS cost, u.batch_saved::text AS batch_saved, r.provider_batch_id, r.provider FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.batch_id = $1',
      [created.id],
    );
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(row).toEqual({ cost: '0.0000150000', batch_saved: '0.0000150000', provider: 'anthropic', provider_batch_id: expect.stringMatching(/^msgbatch_/) });
    const batchCost = await harness.sql.query<{ cost: string }>('SELECT cost::text AS cost FROM batches WHERE id = $1', [created.id]);
    expect(batchCost.rows[0]?.cost).toBe('0.0003000000');
  });
});
