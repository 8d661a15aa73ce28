import { expect } from 'vitest';
import { batchLedger, exactlyOnce } from './batch-ledger.ts';
import { parseExposition, sumOf } from './prometheus-text.ts';
import { postJson, testAdminKey, type TestGateway } from './test-gateway.ts';

/**
 * What the tests that break Redis under a running batch share: submit a batch of `lines` chat lines,
 * wait until about a third are done, then check it completed with each line once (in Postgres and the
 * result files) and read the gateway's metrics.
 */
export function midBatchFaults(options: { harness: () => TestGateway; key: () => string; lines: number; request: (content: string) => unknown }) {
  const { lines } = options;
  const progress = async (batchId: string) => {
    const { rows } = await options.harness().sql.query('SELECT completed_count + failed_count AS done, status FROM batches WHERE id = $1', [batchId]);
    return rows[0] as { done: number; status: string };
  };
  return {
    async submitBatch(label: string): Promise<string> {
      const requests = Array.from({ length: lines }, (_unused, index) => ({ custom_id: `${label}-${index}`, body: options.request(`${label} line ${index}`) }));
      const created = await postJson(`${options.harness().url}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests }, options.key());
      expect(created.status).toBe(200);
      return created.body.id as string;
    },
    /** Polls until the batch has done about a third of its lines (but not all). */
    async waitForAThird(batchId: string): Promise<void> {
      await expect.poll(async () => (await progress(batchId)).done, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(lines * 0.3);
      expect((await progress(batchId)).done).toBeLessThan(lines);
    },
    async expectCompletedExactlyOnce(batchId: string): Promise<void> {
      await expect.poll(async () => (await progress(batchId)).status, { timeout: 45_000, interval: 100 }).toBe('completed');
      const download = async (fileId: string) => (await fetch(`${options.harness().url}/v1/files/${fileId}/content`, { headers: { authorization: `Bearer ${options.key()}` } })).text();
      expect(await batchLedger({ sql: options.harness().sql, batchId, download })).toMatchObject(exactlyOnce(lines));
    },
    async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
      const response = await fetch(`${options.harness().url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
      return sumOf(parseExposition(await response.text()), name, labels);
    },
  };
}
