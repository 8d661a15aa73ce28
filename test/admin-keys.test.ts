import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

describe('admin API: keys and projects', () => {
  let harness: TestGateway;
  /** A second API process on the same database and Redis prefix, as in a scaled deployment. */
  let second: TestGateway;

  beforeAll(async () => {
    harness = await startTestGateway();
    second = await startTestGateway({ database: harness.database, prefix: harness.prefix, environment: { GATEWAY_ROLE: 'api' } });
  });
  afterAll(async () => {
    await second?.close();
    await harness?.close();
  });

  const admin = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
    fetch(`${harness.url}/admin${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.key ?? testAdminKey}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const chat = (url: string, key: string) => postJson(`${url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }, key);

  it('creates a key (and its project), shows the plaintext once and stores only a hash', async () => {
    const response = await admin('/keys', { method: 'POST', body: { name: 'ci', project: 'alpha' } });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, any>;
    expect(created).toMatchObject({ object: 'api_key', name: 'ci', project: 'alpha', revoked_at: null });
    expect(created.id).toMatch(/^key_/);
    expect(created.project_id).toMatch(/^proj_/);
    expect(created.key).toMatch(/^gw-[A-Za-z0-9_-]{32}$/);
    expect(created.key.startsWith(created.key_prefix)).toBe(true);

    const { rows } = await harness.sql.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(created.key);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);

    const listed = (await (await admin('/keys?project=alpha')).json()) as { data: Array<Record<string, unknown>> };
    expect(listed.data.map((key) => key.id)).toEqual([created.id]);
    expect(listed.data[0]).not.toHaveProperty('key');

    const again = (await (await admin('/keys', { method: 'POST', body: { name: 'second', project: 'alpha' } })).json()) as Record<string, any>;
    expect(again.project_id).toBe(created.project_id);
    const { rows: projects } = await harness.sql.query("SELECT count(*)::int AS n FROM projects WHERE name = 'alpha'");
    expect(projects[0].n).toBe(1);
  });

  it('a revoked key gets 401 at once, on every API process', async () => {
    const { id, key } = await harness.createKey('revocation');
    // Both processes have now seen (and cached) the key as valid.
    expect((await chat(harness.url, key)).status).toBe(200);
    expect((await chat(second.url, key)).status).toBe(200);

    const revoked = await admin(`/keys/${id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const body = (await revoked.json()) as Record<string, any>;
    expect(body.revoked_at).toEqual(expect.any(Number));

    const here = await chat(harness.url, key);
    expect(here.status).toBe(401);
    expect(here.body.error.code).toBe('invalid_api_key');
    // The other process learns through Redis pub/sub; allow the broadcast a moment to land.
    await expect.poll(async () => (await chat(second.url, key)).status, { timeout: 2000, interval: 20 }).toBe(401);

    const twice = await admin(`/keys/${id}`, { method: 'DELETE' });
    expect(((await twice.json()) as Record<string, any>).revoked_at).toBe(body.revoked_at);
  });

  it('404 when revoking an unknown key', async () => {
    const response = await admin('/keys/key_nope', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as Record<string, any>).error.code).toBe('not_found');
  });

  it('rejects a wrong admin key and an API key on the admin API', async () => {
    const wrong = await admin('/keys', { key: 'not-the-admin-key-at-all' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Record<string, any>).error.code).toBe('invalid_admin_key');
    const { key } = await harness.createKey();
    expect((await admin('/keys', { key })).status).toBe(401);
    expect((await fetch(`${harness.url}/admin/keys`)).status).toBe(401);
  });

  it('validates the create body', async () => {
    for (const body of [{}, { name: '', project: 'p' }, { name: 'n' }, { name: 'n', project: 'p', extra: 1 }]) {
      const response = await admin('/keys', { method: 'POST', body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = ((await response.json()) as Record<string, any>).error;
      expect(error.type).toBe('invalid_request_error');
    }
  });

  it('keys of different projects are billed to their own project', async () => {
    const first = await harness.createKey('project-one');
    const other = await harness.createKey('project-two');
    const one = await chat(harness.url, first.key);
    const two = await chat(harness.url, other.key);
    const { rows } = await harness.sql.query('SELECT request_id, project_id, api_key_id FROM usage WHERE request_id = ANY($1) ORDER BY project_id', [
      [one.headers.get('x-request-id'), two.headers.get('x-request-id')],
    ]);
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.request_id === one.headers.get('x-request-id'))).toMatchObject({ project_id: first.project_id, api_key_id: first.id });
    expect(rows.find((row) => row.request_id === two.headers.get('x-request-id'))).toMatchObject({ project_id: other.project_id, api_key_id: other.id });
  });
});
