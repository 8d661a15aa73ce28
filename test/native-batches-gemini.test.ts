import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeminiBatchServer } from './support/gemini-batch-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** Batches sent to Gemini's batch mode: a JSONL file, a long-running batch, its responses file. */
describe('native batches on Gemini', () => {
  let gemini: GeminiBatchServer;
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    gemini = await GeminiBatchServer.start({ apiKey: 'gemini-key' });
    harness = await startTestGateway({
      config: {
        providers: { google: { type: 'google', baseUrl: gemini.baseUrl, apiKey: 'gemini-key', nativeBatch: { enabled: true, pollIntervalMs: 100 } } },
        models: { flash: { routes: [{ provider: 'google', model: 'gemini-3.8-flash' }] } },
      },
    });
    client = new OpenAI({ apiKey: (await harness.createKey('gemini-native')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await gemini?.close();
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

  const line = (customId: string, content: string) => ({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'flash', messages: [{ role: 'user', content }] } });

  async function submit(lines: unknown[]) {
    const file = await client.files.create({ file: new File([lines.map((entry) => JSON.stringify(entry)).join('\n')], 'input.jsonl'), purpose: 'batch' });
    return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  }

  it('answers every line from the responses file, at half the catalogue price', async () => {
    gemini.completeAfterPolls = 2;
    const batch = await submit(Array.from({ length: 6 }, (_, index) => line(`g-${index}`, `say ${index}`)));
    const done = await waitForStatus(batch.id, ['completed', 'failed']);
    expect(done.request_counts).toEqual({ total: 6, completed: 6, failed: 0 });
    expect(gemini.creates).toBe(1);
    const output = (await (await client.files.content(done.output_file_id ?? '')).text())
      .trim()
      .split('\n')
      .map((entry) => JSON.parse(entry) as { custom_id: string; response: { body: { choices: Array<{ message: { content: string } }> } } });
    expect(output.find((entry) => entry.custom_id === 'g-4')?.response.body.choices[0]?.message.content).toContain('say 4');
    // 10 prompt + 5 completion tokens at half of (0.75, 3.75) per million.
    const { rows } = await harness.sql.query<{ cost: string }>('SELECT cost::text AS cost FROM usage WHERE batch_id = $1', [batch.id]);
    expect(rows.map((row) => row.cost)).toEqual(Array(6).fill('0.0000131250'));
  });

  it('writes lines the provider expired to the error file as batch_expired', async () => {
    gemini.completeAfterPolls = 0;
    gemini.hold = true;
    const batch = await submit([line('e-1', 'a'), line('e-2', 'b')]);
    const deadline = Date.now() + 10_000;
    while (!(await harness.sql.query("SELECT 1 FROM provider_batches WHERE batch_id = $1 AND status = 'submitted'", [batch.id])).rowCount) {
      if (Date.now() > deadline) throw new Error('provider batch never submitted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    gemini.expire();
    const done = await waitForStatus(batch.id, ['completed', 'failed']);
    gemini.hold = false;
    expect(done.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
    const errors = (await (await client.files.content(done.error_file_id ?? '')).text())
      .trim()
      .split('\n')
      .map((entry) => JSON.parse(entry) as { custom_id: string; error: { code: string } });
    expect(errors.map((entry) => [entry.custom_id, entry.error.code]).sort()).toEqual([
      ['e-1', 'batch_expired'],
      ['e-2', 'batch_expired'],
    ]);
  });
});
