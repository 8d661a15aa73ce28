import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBatchServer } from './support/anthropic-batch-server.ts';
import { OpenAIBatchServer } from './support/openai-batch-server.ts';
import { OpenAIWireServer } from './support/openai-wire-server.ts';
import { ReverseProxy } from './support/reverse-proxy.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

type OutputLine = { custom_id: string; response: { status_code: number; body: { choices: Array<{ message: { content: string } }> } } | null; error: { code: string; message: string } | null };

/**
 * The OpenAI Batches API in front, OpenAI's own Batch API behind: through the official SDK, lines go
 * to the provider's batch API at its batch price, mixed batches split across providers and the
 * gateway's workers, and a provider that refuses or leaves lines unfinished sends them to the workers.
 * OpenAI's sync endpoint (for lines the workers run) and its Batch API are two test servers behind one
 * base URL.
 */
describe('native batches on OpenAI, through the official SDK', () => {
  let batchApi: OpenAIBatchServer;
  let syncApi: OpenAIWireServer;
  let router: ReverseProxy;
  let anthropic: AnthropicBatchServer;
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    batchApi = await OpenAIBatchServer.start({ apiKey: 'sk-openai' });
    syncApi = new OpenAIWireServer();
    const syncUrl = await syncApi.start();
    router = await ReverseProxy.byPath([{ matches: (path) => path.startsWith('/v1/chat/completions'), origin: new URL(syncUrl).origin }], new URL(batchApi.baseUrl).origin);
    anthropic = await AnthropicBatchServer.start();
    const openai = (onUnfinished: string) => ({ type: 'openai', baseUrl: `${router.origin}/v1`, apiKey: 'sk-openai', nativeBatch: { enabled: true, pollIntervalMs: 100, onUnfinished } });
    harness = await startTestGateway({
      config: {
        providers: {
          openai: openai('fail'),
          'openai-retry': openai('gateway'),
          anthropic: { type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: 'sk-ant', nativeBatch: { enabled: true, pollIntervalMs: 100 } },
          mock: { type: 'mock' },
        },
        models: {
          sol: { routes: [{ provider: 'openai', model: 'gpt-6.2-sol' }] },
          astra: { routes: [{ provider: 'openai', model: 'gpt-6-astra' }], pricing: { inputPerMillion: '4', outputPerMillion: '8', batchInputPerMillion: '1', batchOutputPerMillion: '3' } },
          'sol-retry': { routes: [{ provider: 'openai-retry', model: 'gpt-6.2-sol' }] },
          claude: { routes: [{ provider: 'anthropic', model: 'claude-haiku-5-5' }] },
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
        },
      },
    });
    client = new OpenAI({ apiKey: (await harness.createKey('openai-native')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await router?.close();
    await syncApi?.stop();
    await batchApi?.close();
    await anthropic?.close();
  });

  const line = (customId: string, model: string, content: string) => ({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content }] } });

  async function submit(lines: unknown[], mode?: string) {
    const file = await client.files.create({ file: new File([lines.map((entry) => JSON.stringify(entry)).join('\n')], 'input.jsonl'), purpose: 'batch' });
    return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, mode ? { headers: { 'x-gateway-batch-mode': mode } } : {});
  }

  async function waitForStatus(batchId: string, statuses: string[], timeout = 30_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const batch = await client.batches.retrieve(batchId);
      if (statuses.includes(batch.status)) return batch;
      if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function linesOf(fileId: string | null | undefined): Promise<OutputLine[]> {
    if (!fileId) return [];
    const text = await (await client.files.content(fileId)).text();
    return text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((entry) => JSON.parse(entry) as OutputLine);
  }

  async function servedBy(batchId: string) {
    const { rows } = await harness.sql.query<{ custom_id: string; provider: string; native: boolean; cost: string | null }>(
      'SELECT r.custom_id, r.provider, r.provider_batch_id IS NOT NULL AS native, u.cost::text AS cost FROM requests r LEFT JOIN usage u ON u.request_id = r.id WHERE r.batch_id = $1 ORDER BY r.line_number',
      [batchId],
    );
    return rows;
  }

  it('offloads a 1,000-line batch to OpenAI’s Batch API: one provider batch per model, every answer and line cost right', async () => {
    const creates = batchApi.creates;
    const lines = Array.from({ length: 1000 }, (_, index) => line(`row-${index}`, index % 4 === 0 ? 'astra' : 'sol', `classify ${index}`));
    const batch = await submit(lines);
    const done = await waitForStatus(batch.id, ['completed', 'failed']);
    expect(done.request_counts).toEqual({ total: 1000, completed: 1000, failed: 0 });
    // Two upstream models: two provider batches, as OpenAI takes one model per batch.
    expect(batchApi.creates).toBe(creates + 2);
    const sent = [...batchApi.linesReceived.entries()].filter(([customId]) => customId.startsWith(`batch_req_${batch.id.slice(6)}_`));
    expect(sent).toHaveLength(1000);
    expect(sent.every(([, count]) => count === 1)).toBe(true);
    const output = await linesOf(done.output_file_id);
    expect(output).toHaveLength(1000);
    const byId = new Map(output.map((entry) => [entry.custom_id, entry]));
    expect(byId.get('row-417')?.response?.body.choices[0]?.message.content).toBe('echo: classify 417');
    const rows = await servedBy(batch.id);
    // sol: catalogue (2, 10) at the default 0.5 discount; astra: its configured batch prices (1, 3); 10 prompt + 5 completion tokens.
    expect(rows.filter((row) => row.custom_id === 'row-1')[0]).toEqual({ custom_id: 'row-1', provider: 'openai', native: true, cost: '0.0000350000' });
    expect(rows.filter((row) => row.custom_id === 'row-0')[0]).toEqual({ custom_id: 'row-0', provider: 'openai', native: true, cost: '0.0000250000' });
    expect(new Set(rows.map((row) => `${row.native}:${row.cost}`))).toEqual(new Set(['true:0.0000350000', 'true:0.0000250000']));
    expect(syncApi.requests.filter((request) => JSON.stringify(request.body).includes('classify'))).toHaveLength(0);
  });

  it('splits a mixed batch: two providers’ batch APIs and the gateway’s workers, one batch, one set of files', async () => {
    const [openaiCreates, anthropicCreates] = [batchApi.creates, anthropic.creates];
    const lines = [line('o-1', 'sol', 'a'), line('a-1', 'claude', 'b'), line('m-1', 'mock-echo', 'c'), line('o-2', 'sol', 'd'), line('a-2', 'claude', 'e'), line('m-2', 'mock-echo', 'f')];
    const batch = await submit(lines);
    const done = await waitForStatus(batch.id, ['completed', 'failed']);
    expect(done.request_counts).toEqual({ total: 6, completed: 6, failed: 0 });
    expect([batchApi.creates - openaiCreates, anthropic.creates - anthropicCreates]).toEqual([1, 1]);
    expect((await servedBy(batch.id)).map((row) => [row.custom_id, row.provider, row.native])).toEqual([
      ['o-1', 'openai', true],
      ['a-1', 'anthropic', true],
      ['m-1', 'mock', false],
      ['o-2', 'openai', true],
      ['a-2', 'anthropic', true],
      ['m-2', 'mock', false],
    ]);
    expect((await linesOf(done.output_file_id)).map((entry) => entry.custom_id).sort()).toEqual(['a-1', 'a-2', 'm-1', 'm-2', 'o-1', 'o-2']);
  });

  it('runs a part the provider refuses on the gateway’s workers in auto mode, at the sync price', async () => {
    batchApi.refuseCreates = {
      status: 400,
      body: { error: { message: 'The model gpt-6.2-sol is not supported by the Batch API.', type: 'invalid_request_error', param: 'model', code: 'model_not_supported' } },
    };
    try {
      const batch = await submit([line('r-1', 'sol', 'refused one'), line('r-2', 'sol', 'refused two')]);
      const done = await waitForStatus(batch.id, ['completed', 'failed']);
      expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
      // Sync price: catalogue (2, 10) for 10 + 5 tokens (the sync test server's usage).
      expect((await servedBy(batch.id)).map((row) => [row.custom_id, row.native])).toEqual([
        ['r-1', false],
        ['r-2', false],
      ]);
      const { rows } = await harness.sql.query<{ status: string; errors: string[] }>('SELECT status, errors FROM provider_batches WHERE batch_id = $1', [batch.id]);
      expect(rows[0]?.status).toBe('refused');
      expect(rows[0]?.errors[0]).toContain('not supported by the Batch API');
    } finally {
      batchApi.refuseCreates = undefined;
    }
  });

  it('fails a refused part’s lines with the provider’s reason in native mode', async () => {
    batchApi.refuseCreates = {
      status: 400,
      body: { error: { message: 'The model gpt-6.2-sol is not supported by the Batch API.', type: 'invalid_request_error', param: 'model', code: 'model_not_supported' } },
    };
    try {
      const batch = await submit([line('n-1', 'sol', 'x'), line('n-2', 'sol', 'y')], 'native');
      const done = await waitForStatus(batch.id, ['completed', 'failed']);
      expect(done.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
      const errors = await linesOf(done.error_file_id);
      expect(errors.map((entry) => entry.error?.code)).toEqual(['model_not_supported', 'model_not_supported']);
      expect(errors[0]?.error?.message).toContain('not supported by the Batch API');
    } finally {
      batchApi.refuseCreates = undefined;
    }
  });

  it('sends a batch that failed on the enqueued-token quota to the gateway’s workers in auto mode', async () => {
    batchApi.failValidation = OpenAIBatchServer.tokenLimitExceeded('gpt-6.2-sol');
    try {
      const batch = await submit([line('q-1', 'sol', 'quota')]);
      const done = await waitForStatus(batch.id, ['completed', 'failed']);
      expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
      expect((await servedBy(batch.id))[0]?.native).toBe(false);
    } finally {
      batchApi.failValidation = undefined;
    }
  });

  it('with onUnfinished: gateway, runs the lines an expired provider batch left on the gateway’s workers', async () => {
    batchApi.hold = true;
    batchApi.progressLines = 2;
    try {
      const batch = await submit([line('u-1', 'sol-retry', 'one'), line('u-2', 'sol-retry', 'two'), line('u-3', 'sol-retry', 'three'), line('u-4', 'sol-retry', 'four')]);
      await expect
        .poll(async () => (await harness.sql.query("SELECT 1 FROM provider_batches WHERE batch_id = $1 AND status = 'submitted'", [batch.id])).rowCount, { timeout: 10_000, interval: 50 })
        .toBe(1);
      batchApi.expire();
      const done = await waitForStatus(batch.id, ['completed', 'failed']);
      expect(done.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
      const rows = await servedBy(batch.id);
      expect(rows.filter((row) => row.native).map((row) => row.custom_id)).toEqual(['u-1', 'u-2']);
      expect(rows.filter((row) => !row.native).map((row) => row.custom_id)).toEqual(['u-3', 'u-4']);
    } finally {
      batchApi.hold = false;
      batchApi.progressLines = 0;
    }
  });
});
