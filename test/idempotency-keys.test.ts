import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredIdempotencyKeys } from '../src/idempotency/idempotency-store.ts';
import { fingerprintRequest } from '../src/idempotency/request-fingerprint.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

type Answer = Awaited<ReturnType<typeof postJson>>;

/** `Idempotency-Key` on the four creating routes, against the real Postgres, Redis and workers. */
describe('Idempotency-Key', () => {
  let harness: TestGateway;
  const requestTimeoutMs = 3000;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        server: { requestTimeoutMs },
        // Slow enough that concurrent duplicates overlap the first request.
        providers: { mock: { type: 'mock', latencyMs: 300, maxAttempts: 1 } },
        models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } },
      },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** A fresh project per test, so its rows can be counted. */
  const newProject = async () => {
    const name = `idem-${randomUUID().slice(0, 8)}`;
    const created = await harness.createKey(name);
    return { key: created.key, projectId: created.project_id, name };
  };
  const post = (path: string, body: unknown, apiKey: string, idempotencyKey?: string) =>
    postJson(`${harness.url}${path}`, body, apiKey, idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey });
  const count = async (sql: string, params: unknown[]) => (await harness.sql.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1;
  const chat = (content: string) => ({ model: 'mock-echo', messages: [{ role: 'user', content }] });
  const line = (customId: string, content = 'hi') => JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: chat(content) });
  const inlineBatch = (content: string) => ({ requests: [{ custom_id: 'a', body: chat(content) }], endpoint: '/v1/chat/completions', completion_window: '24h' });

  async function upload(apiKey: string, content: string, options: { idempotencyKey?: string; filename?: string } = {}): Promise<Answer> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([content]), options.filename ?? 'input.jsonl');
    const response = await fetch(`${harness.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, ...(options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey }) },
      body: form,
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  }

  /** Every answer the same as the first, exactly one of them not a replay. */
  function expectOneOriginal(answers: Answer[], status: number) {
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => status));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.headers.get('x-request-id'))).size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(answers.length - 1);
  }

  describe('a sequential duplicate gets the first answer and creates nothing', () => {
    it('POST /v1/batches with an input file', async () => {
      const { key, projectId } = await newProject();
      const file = await upload(key, `${line('a')}\n`);
      const body = { input_file_id: file.body.id, endpoint: '/v1/chat/completions', completion_window: '24h' };
      const first = await post('/v1/batches', body, key, 'batch-from-file');
      const second = await post('/v1/batches', body, key, 'batch-from-file');
      expect(first.status).toBe(200);
      expect(first.body.id).toMatch(/^batch_/);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.headers.get('x-request-id')).toBe(first.headers.get('x-request-id'));
      expect(await count('SELECT count(*)::int AS n FROM batches WHERE project_id = $1', [projectId])).toBe(1);
    });

    it('POST /v1/batches inline', async () => {
      const { key, projectId } = await newProject();
      const first = await post('/v1/batches', inlineBatch('inline'), key, 'inline-batch');
      const second = await post('/v1/batches', inlineBatch('inline'), key, 'inline-batch');
      expectOneOriginal([first, second], 200);
      expect(await count('SELECT count(*)::int AS n FROM batches WHERE project_id = $1', [projectId])).toBe(1);
      expect(await count("SELECT count(*)::int AS n FROM files WHERE project_id = $1 AND kind = 'inline'", [projectId])).toBe(1);
    });

    it('POST /v1/files, and the same key with another file is 422', async () => {
      const { key, projectId } = await newProject();
      const content = `${line('a')}\n${line('b')}\n`;
      const first = await upload(key, content, { idempotencyKey: 'upload-1' });
      const second = await upload(key, content, { idempotencyKey: 'upload-1' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ object: 'file', purpose: 'batch', filename: 'input.jsonl' });
      expectOneOriginal([first, second], 200);
      expect(second.body).toEqual(first.body);

      const otherContent = await upload(key, `${line('a')}\n${line('c')}\n`, { idempotencyKey: 'upload-1' });
      expect(otherContent.status).toBe(422);
      expect(otherContent.body.error).toMatchObject({ code: 'idempotency_key_reused', type: 'invalid_request_error', param: 'Idempotency-Key' });
      expect(otherContent.body.error.message).toContain(first.headers.get('x-request-id'));
      const otherName = await upload(key, content, { idempotencyKey: 'upload-1', filename: 'renamed.jsonl' });
      expect(otherName.status).toBe(422);
      expect(await count("SELECT count(*)::int AS n FROM files WHERE project_id = $1 AND kind = 'upload'", [projectId])).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM file_lines WHERE file_id = $1', [first.body.id])).toBe(2);
    });

    it('POST /v1/async/chat/completions', async () => {
      const { key, projectId } = await newProject();
      const first = await post('/v1/async/chat/completions', chat('later'), key, 'async-1');
      const second = await post('/v1/async/chat/completions', chat('later'), key, 'async-1');
      expectOneOriginal([first, second], 202);
      expect(first.body.id).toBe(first.headers.get('x-request-id'));
      expect(await count("SELECT count(*)::int AS n FROM requests WHERE project_id = $1 AND kind = 'async'", [projectId])).toBe(1);
    });

    it('POST /v1/chat/completions: the same chatcmpl, headers and cost, billed once', async () => {
      const { key, projectId } = await newProject();
      const first = await post('/v1/chat/completions', chat('now'), key, 'sync-1');
      const second = await post('/v1/chat/completions', chat('now'), key, 'sync-1');
      expectOneOriginal([first, second], 200);
      expect(first.body.id).toMatch(/^chatcmpl/);
      expect(second.body).toEqual(first.body);
      for (const name of ['x-gateway-route', 'x-gateway-attempts', 'x-gateway-cache', 'x-gateway-cost']) {
        expect(first.headers.get(name), name).not.toBeNull();
        expect(second.headers.get(name), name).toBe(first.headers.get(name));
      }
      expect(await count('SELECT count(*)::int AS n FROM requests WHERE project_id = $1', [projectId])).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM usage WHERE project_id = $1', [projectId])).toBe(1);
    });
  });

  describe('concurrent duplicates create one object and all get its answer', () => {
    const five = <T>(send: () => Promise<T>) => Promise.all(Array.from({ length: 5 }, send));

    it('POST /v1/batches', async () => {
      const { key, projectId } = await newProject();
      const answers = await five(() => post('/v1/batches', inlineBatch('together'), key, 'concurrent-batch'));
      expectOneOriginal(answers, 200);
      expect(await count('SELECT count(*)::int AS n FROM batches WHERE project_id = $1', [projectId])).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM files WHERE project_id = $1', [projectId])).toBe(1);
    });

    it('POST /v1/files', async () => {
      const { key, projectId } = await newProject();
      const content = Array.from({ length: 2000 }, (_, index) => line(`row-${index}`, 'x'.repeat(200))).join('\n');
      const answers = await Promise.all(Array.from({ length: 3 }, () => upload(key, content, { idempotencyKey: 'concurrent-upload' })));
      expectOneOriginal(answers, 200);
      expect(await count('SELECT count(*)::int AS n FROM files WHERE project_id = $1', [projectId])).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM file_lines WHERE file_id = $1', [answers[0]!.body.id])).toBe(2000);
    });

    it('POST /v1/async/chat/completions', async () => {
      const { key, projectId } = await newProject();
      const answers = await five(() => post('/v1/async/chat/completions', chat('together'), key, 'concurrent-async'));
      expectOneOriginal(answers, 202);
      expect(await count('SELECT count(*)::int AS n FROM requests WHERE project_id = $1', [projectId])).toBe(1);
    });

    it('POST /v1/chat/completions: the duplicates wait for the one call, billed once', async () => {
      const { key, projectId } = await newProject();
      const answers = await five(() => post('/v1/chat/completions', chat('together'), key, 'concurrent-sync'));
      expectOneOriginal(answers, 200);
      expect(answers.every((answer) => answer.body.choices[0].message.content === 'together')).toBe(true);
      expect(await count('SELECT count(*)::int AS n FROM requests WHERE project_id = $1', [projectId])).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM usage WHERE project_id = $1', [projectId])).toBe(1);
    });
  });

  describe('reuse and bad keys', () => {
    it('refuses the same key with another body (422 naming the first request) or on another route', async () => {
      const { key } = await newProject();
      const first = await post('/v1/chat/completions', chat('one'), key, 'reused');
      expect(first.status).toBe(200);
      const otherBody = await post('/v1/chat/completions', chat('two'), key, 'reused');
      expect(otherBody.status).toBe(422);
      expect(otherBody.body.error).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });
      expect(otherBody.body.error.message).toContain(`Idempotency-Key 'reused' was used by request ${first.headers.get('x-request-id')} with a different body`);
      const otherRoute = await post('/v1/async/chat/completions', chat('one'), key, 'reused');
      expect(otherRoute.status).toBe(422);
      expect(otherRoute.body.error.code).toBe('idempotency_key_reused');
      expect(otherRoute.body.error.message).toContain('on POST /v1/chat/completions');
      // The same body in another key order is the same request.
      const reordered = await post('/v1/chat/completions', { messages: [{ content: 'one', role: 'user' }], model: 'mock-echo' }, key, 'reused');
      expect(reordered.headers.get('idempotent-replayed')).toBe('true');
      expect(reordered.body.id).toBe(first.body.id);
    });

    it('refuses an empty key and one of 256 characters; 255 characters work', async () => {
      const { key } = await newProject();
      for (const bad of ['', 'k'.repeat(256)]) {
        const answer = await post('/v1/chat/completions', chat('bad key'), key, bad);
        expect(answer.status).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'invalid_idempotency_key', param: 'Idempotency-Key' });
      }
      const longest = 'k'.repeat(255);
      const first = await post('/v1/chat/completions', chat('long key'), key, longest);
      const second = await post('/v1/chat/completions', chat('long key'), key, longest);
      expect(first.status).toBe(200);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body.id).toBe(first.body.id);
    });

    it('refuses stream: true with a key, before claiming it', async () => {
      const { key, projectId } = await newProject();
      const answer = await post('/v1/chat/completions', { ...chat('stream me'), stream: true }, key, 'streamed');
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'stream_not_supported', param: 'stream' });
      expect(answer.body.error.message).toContain('Idempotency-Key');
      expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE project_id = $1', [projectId])).toBe(0);
    });

    it("does not collide with another project's key", async () => {
      const a = await newProject();
      const b = await newProject();
      const fromA = await post('/v1/async/chat/completions', chat('shared key'), a.key, 'shared');
      const fromB = await post('/v1/async/chat/completions', chat('shared key'), b.key, 'shared');
      expect(fromA.status).toBe(202);
      expect(fromB.status).toBe(202);
      expect(fromB.body.id).not.toBe(fromA.body.id);
      expect(fromB.headers.get('idempotent-replayed')).toBeNull();
    });
  });

  describe('what is kept, released and expired', () => {
    it('keeps a 4xx answer and replays it', async () => {
      const { key } = await newProject();
      const first = await post('/v1/chat/completions', { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, key, 'kept-404');
      const second = await post('/v1/chat/completions', { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, key, 'kept-404');
      expect(first.status).toBe(404);
      expect(second.status).toBe(404);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.headers.get('x-request-id')).toBe(first.headers.get('x-request-id'));
    });

    it('releases the key of a failed call (a provider 5xx), so a retry with it runs again', async () => {
      const { key, projectId } = await newProject();
      const failed = await post('/v1/chat/completions', chat('mock:error:503'), key, 'released');
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE project_id = $1', [projectId])).toBe(0);
      const retried = await post('/v1/chat/completions', chat('mock:error:503'), key, 'released');
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      expect(retried.headers.get('x-request-id')).not.toBe(failed.headers.get('x-request-id'));
      // Released, not kept: even another body may take the key now.
      const other = await post('/v1/chat/completions', chat('fine now'), key, 'released');
      expect(other.status).toBe(200);
      expect(other.headers.get('idempotent-replayed')).toBeNull();
    });

    it('replaces an expired key, and the sweep deletes expired keys in batches', async () => {
      const { key, projectId } = await newProject();
      const first = await post('/v1/async/chat/completions', chat('old'), key, 'expiring');
      await harness.sql.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE project_id = $1 AND key = 'expiring'", [projectId]);
      const replaced = await post('/v1/async/chat/completions', chat('another body'), key, 'expiring');
      expect(replaced.status).toBe(202);
      expect(replaced.headers.get('idempotent-replayed')).toBeNull();
      expect(replaced.body.id).not.toBe(first.body.id);

      for (const name of ['sweep-1', 'sweep-2', 'sweep-3', 'kept']) expect((await post('/v1/async/chat/completions', chat(name), key, name)).status).toBe(202);
      await harness.sql.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE project_id = $1 AND key LIKE 'sweep-%'", [projectId]);
      const expiredEverywhere = await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE expires_at <= now()', []);
      expect(expiredEverywhere).toBe(3);
      expect(await sweepExpiredIdempotencyKeys(harness.sql, { batchSize: 2 })).toBe(3);
      const left = await harness.sql.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE project_id = $1 ORDER BY key', [projectId]);
      expect(left.rows.map((row) => row.key)).toEqual(['expiring', 'kept']);
      expect(await sweepExpiredIdempotencyKeys(harness.sql)).toBe(0);
    });

    it('answers 409 while the key is held past the wait budget, and takes over a key whose holder is presumed dead', async () => {
      const { key, projectId } = await newProject();
      const body = chat('held elsewhere');
      const fingerprint = fingerprintRequest('POST /v1/chat/completions', body);
      const hold = (lockedUntil: string) =>
        harness.sql.query(
          `INSERT INTO idempotency_keys (project_id, key, operation, fingerprint, request_id, status, locked_until, expires_at)
           VALUES ($1, 'held', 'POST /v1/chat/completions', $2, 'req_holder', 'in_progress', ${lockedUntil}, now() + interval '1 day')
           ON CONFLICT (project_id, key) DO UPDATE SET request_id = 'req_holder', status = 'in_progress', locked_until = ${lockedUntil}`,
          [projectId, fingerprint],
        );
      await hold("now() + interval '1 hour'");
      const busy = await post('/v1/chat/completions', body, key, 'held');
      expect(busy.status).toBe(409);
      expect(busy.body.error).toMatchObject({ code: 'idempotency_key_in_use', param: 'Idempotency-Key' });
      expect(busy.body.error.message).toContain('req_holder');
      expect(await count('SELECT count(*)::int AS n FROM requests WHERE project_id = $1', [projectId])).toBe(0);

      await hold("now() - interval '1 second'");
      const takenOver = await post('/v1/chat/completions', body, key, 'held');
      expect(takenOver.status).toBe(200);
      expect(takenOver.headers.get('idempotent-replayed')).toBeNull();
      const row = await harness.sql.query<{ status: string; request_id: string }>("SELECT status, request_id FROM idempotency_keys WHERE project_id = $1 AND key = 'held'", [projectId]);
      expect(row.rows[0]).toEqual({ status: 'completed', request_id: takenOver.headers.get('x-request-id') });
    }, 15_000);

    it("does not count a replay against the project's rpm limit", async () => {
      const { key, name } = await newProject();
      const limits = await fetch(`${harness.url}/admin/projects/${name}/limits`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rpm: 2 }),
      });
      expect(limits.status).toBe(200);
      const first = await post('/v1/chat/completions', chat('limited'), key, 'rpm');
      expect(first.status).toBe(200);
      for (let replay = 0; replay < 3; replay += 1) {
        const again = await post('/v1/chat/completions', chat('limited'), key, 'rpm');
        expect(again.status).toBe(200);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
      }
      // Had the replays counted, the window would be full already.
      expect((await post('/v1/chat/completions', chat('second'), key)).status).toBe(200);
      const third = await post('/v1/chat/completions', chat('third'), key);
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe('rate_limit_exceeded');
    });
  });

  it('documents the header on the four routes in the OpenAPI spec', async () => {
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
    const documented = (path: string, method = 'post') => spec.paths[path]?.[method]?.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key');
    for (const path of ['/v1/chat/completions', '/v1/async/chat/completions', '/v1/batches', '/v1/files']) expect(documented(path), path).toBe(true);
    expect(documented('/v1/batches', 'get')).toBeFalsy();
  });
});
