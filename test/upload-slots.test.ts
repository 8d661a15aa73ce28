import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

const line = (id: string) => `${JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'mock-echo', messages: [{ role: 'user', content: id }] } })}\n`;

/** A multipart upload whose file part is held open until `finish()`: an upload in progress. */
function slowUpload(url: string, key: string) {
  const boundary = 'gateway-test-boundary';
  const encoder = new TextEncoder();
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n`));
      controller.enqueue(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${line('first')}`));
      await released;
      controller.enqueue(encoder.encode(`${line('second')}\r\n--${boundary}--\r\n`));
      controller.close();
    },
  });
  const response = fetch(`${url}/v1/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  });
  return { response, finish: release };
}

async function upload(url: string, key: string) {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([line('quick')]), 'quick.jsonl');
  return fetch(`${url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
}

describe('concurrent uploads per process', () => {
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: { providers: { mock: { type: 'mock' } }, models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } }, files: { maxConcurrentUploads: 1 } },
    });
    key = (await harness.createKey()).key;
  });
  afterAll(async () => harness?.close());

  it('refuses an upload beyond files.maxConcurrentUploads with 503 and Retry-After, and takes uploads again once one ends', async () => {
    const slow = slowUpload(harness.url, key);
    // The slow upload holds the only slot once its file row exists.
    await expect
      .poll(async () => (await harness.sql.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = $1 AND datname = current_database()', ['idle in transaction'])).rows[0].n, {
        timeout: 5000,
      })
      .toBeGreaterThanOrEqual(1);
    const refused = await upload(harness.url, key);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'service_unavailable',
      message: expect.stringContaining('files.maxConcurrentUploads'),
    });

    slow.finish();
    const first = await slow.response;
    expect(first.status).toBe(200);
    expect(((await first.json()) as { line_count?: number; bytes: number }).bytes).toBeGreaterThan(0);
    const after = await upload(harness.url, key);
    expect(after.status).toBe(200);
    const { rows } = await harness.sql.query('SELECT filename FROM files ORDER BY created_at');
    expect(rows.map((row) => row.filename)).toEqual(['slow.jsonl', 'quick.jsonl']);
  });
});
