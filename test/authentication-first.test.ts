import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

interface Operation {
  method: string;
  path: string;
}

/** Every documented operation that needs a key, with its path parameters filled in. */
async function protectedOperations(url: string): Promise<Operation[]> {
  const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    if (!/^\/(v1|admin)\/|^\/metrics$|^\/dashboard\/api\//.test(path)) continue;
    for (const method of Object.keys(methods)) {
      if (['get', 'post', 'put', 'delete', 'patch'].includes(method)) operations.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') });
    }
  }
  return operations;
}

/** A body (or query) no route's schema accepts: broken JSON, and a query limit out of range. */
function malformed(operation: Operation): RequestInit & { query: string } {
  const query = '?limit=-7&after=&from=not-a-date';
  if (operation.method === 'GET' || operation.method === 'DELETE') return { method: operation.method, query };
  return { method: operation.method, query, headers: { 'content-type': 'application/json' }, body: '{"model": 42, "messages": [' };
}

describe('authentication comes before everything else', () => {
  let harness: TestGateway;
  let operations: Operation[];

  beforeAll(async () => {
    harness = await startTestGateway();
    operations = await protectedOperations(harness.url);
  });
  afterAll(async () => harness?.close());

  it('finds every protected route in the API document', () => {
    // A guard on the guard: a broken document would make the checks below vacuous.
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/v1/chat/completions' },
        { method: 'POST', path: '/v1/batches' },
        { method: 'POST', path: '/v1/files' },
        { method: 'POST', path: '/admin/keys' },
        { method: 'GET', path: '/metrics' },
        { method: 'GET', path: '/dashboard/api/summary' },
      ]),
    );
  });

  it('answers 401 to a wrong key with a malformed body or query, on every route', async () => {
    const statuses: Record<string, number> = {};
    for (const operation of operations) {
      const { query, ...init } = malformed(operation);
      const headers = { ...(init.headers as Record<string, string> | undefined), authorization: 'Bearer gw-not-a-real-key-0000000000' };
      const response = await fetch(`${harness.url}${operation.path}${query}`, { ...init, headers });
      statuses[`${operation.method} ${operation.path}`] = response.status;
      const body = (await response.json()) as { type?: string; error?: { code?: string; type?: string } };
      // Each route answers in its own format: Anthropic's shape on /v1/messages, OpenAI's elsewhere.
      if (operation.path.startsWith('/v1/messages')) expect(body, `${operation.method} ${operation.path}`).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      else expect(body.error?.code, `${operation.method} ${operation.path}`).toMatch(/^invalid_(api|admin)_key$/);
    }
    expect(Object.entries(statuses).filter(([, status]) => status !== 401)).toEqual([]);
  });

  it('answers 401 without any key, whatever the body', async () => {
    for (const operation of operations) {
      const { query, ...init } = malformed(operation);
      const response = await fetch(`${harness.url}${operation.path}${query}`, init);
      expect(response.status, `${operation.method} ${operation.path}`).toBe(401);
    }
  });

  it('refuses an upload without reading it: multipart with a bad key is a 401, not a form error', async () => {
    const form = new FormData();
    form.append('purpose', 'not-batch');
    form.append('file', new Blob(['this is not JSONL at all\n'.repeat(1000)]), 'bad.jsonl');
    const response = await fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: 'Bearer gw-wrong' }, body: form });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM files');
    expect(rows[0].n).toBe(0);
  });

  it('the admin key is not an API key and an API key is not the admin key', async () => {
    const { key } = await harness.createKey();
    const asAdmin = await fetch(`${harness.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{' });
    expect(asAdmin.status).toBe(401);
    const asKey = await fetch(`${harness.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' }, body: '{' });
    expect(asKey.status).toBe(401);
    // With the right key, the same malformed body is a 400: validation still runs, after the key.
    const valid = await fetch(`${harness.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{' });
    expect(valid.status).toBe(400);
  });
});
