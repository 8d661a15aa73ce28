import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
}

describe('queue board: /admin/queues', () => {
  let harness: TestGateway;

  beforeAll(async () => {
    harness = await startTestGateway();
    const { key } = await harness.createKey('board-project');
    // One call that succeeds (its job is removed on completion) and one the mock fails for good (kept as failed).
    const ok = await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }, key);
    expect(ok.status).toBe(200);
    const failed = await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'mock:error:400' }] }, key);
    expect(failed.status).toBe(400);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('asks a browser for the admin key: 401 with a Basic challenge, for the page and its API', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      const response = await fetch(`${harness.url}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="gateway admin"/);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_admin_key');
    }
  });

  it('refuses a wrong key, as Basic or Bearer, and a project API key', async () => {
    const { key } = await harness.createKey('board-project');
    for (const authorization of [basic('admin', 'wrong'), basic('admin', ''), `Bearer wrong`, `Bearer ${key}`, basic(testAdminKey, 'x'), 'Basic !!!']) {
      const response = await fetch(`${harness.url}/admin/queues/api/queues`, { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
    }
  });

  it('serves the board page with the admin key as Basic password (any user name) or Bearer', async () => {
    for (const authorization of [basic('anyone', testAdminKey), basic('', testAdminKey), `Bearer ${testAdminKey}`]) {
      const response = await fetch(`${harness.url}/admin/queues`, { headers: { authorization } });
      expect(response.status, authorization).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      const html = await response.text();
      // The page loads its assets relative to the mount point.
      expect(html).toContain('<base href="/admin/queues/"');
      expect(html).toContain('<title>Gateway queues</title>');
    }
    const asset = await fetch(`${harness.url}/admin/queues/static/images/logo.svg`, { headers: { authorization: basic('x', testAdminKey) } });
    expect(asset.status).toBe(200);
    expect((await fetch(`${harness.url}/admin/queues/static/images/logo.svg`)).status).toBe(401);
  });

  it("lists every queue of the gateway, under the gateway's Redis prefix, with the failed job counted", async () => {
    const response = await fetch(`${harness.url}/admin/queues/api/queues?activeQueue=chat-mock&status=failed&page=1`, {
      headers: { authorization: basic('admin', testAdminKey) },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queues: BoardQueue[] };
    const names = body.queues.map((queue) => queue.name).sort();
    expect(names).toEqual(['batch-control', 'batch-mock', 'batch-native', 'chat-mock', 'webhooks']);
    const chat = body.queues.find((queue) => queue.name === 'chat-mock');
    // Under another prefix the queue would be empty: this count proves the board reads ours.
    expect(chat?.counts.failed).toBe(1);
    expect(chat?.readOnlyMode).toBe(true);
  });

  it('is read-only: the board cannot pause a queue (its state is in Postgres, not in the jobs)', async () => {
    const response = await fetch(`${harness.url}/admin/queues/api/queues/chat-mock/pause`, { method: 'PUT', headers: { authorization: `Bearer ${testAdminKey}` } });
    expect(response.status).toBe(405);
  });
});
