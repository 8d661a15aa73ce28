import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLineWriter } from '../src/files/file-line-writer.ts';
import { FileProblem } from '../src/files/file-problem.ts';
import { storeJsonlLines } from '../src/files/inline-batch-file.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

const maxLines = 40;
const maxBytes = 16 * 1024;
const bodyLimitBytes = 4096;

const requestLine = (customId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'mock-echo', messages: [{ role: 'user', content: `hello ${customId}` }] },
    ...extra,
  });
const jsonl = (lines: string[]) => `${lines.join('\n')}\n`;

describe('OpenAI Files API', () => {
  let harness: TestGateway;
  let key: string;
  let keyId: string;
  let projectId: string;
  let otherKey: string;
  let client: OpenAI;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        // A small body limit: uploads must not be capped by it (only lines are).
        server: { bodyLimitBytes },
        files: { maxLines, maxBytes },
        providers: { mock: { type: 'mock' } },
        models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } },
      },
    });
    const created = await harness.createKey('files-project');
    ({ key, id: keyId, project_id: projectId } = created);
    otherKey = (await harness.createKey('someone-else')).key;
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => harness?.close());

  /** A raw multipart upload, for what the SDK would never send. */
  async function upload(text: string | Buffer, options: { purpose?: string | null; field?: string; apiKey?: string; purposeLast?: boolean } = {}) {
    const form = new FormData();
    const purpose = options.purpose === undefined ? 'batch' : options.purpose;
    if (purpose !== null && !options.purposeLast) form.append('purpose', purpose);
    form.append(options.field ?? 'file', new Blob([text]), 'upload.jsonl');
    if (purpose !== null && options.purposeLast) form.append('purpose', purpose);
    const response = await fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${options.apiKey ?? key}` }, body: form });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function rowCounts() {
    const files = await harness.sql.query<{ count: number }>("SELECT count(*)::int AS count FROM files WHERE kind = 'upload'");
    const lines = await harness.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM file_lines');
    return { files: files.rows[0]?.count, lines: lines.rows[0]?.count };
  }

  it('uploads with the SDK (a file larger than server.bodyLimitBytes), then retrieves, lists, reads and deletes it', async () => {
    const lines = Array.from({ length: 30 }, (_, index) => requestLine(`task-${index}`, { note: 'x'.repeat(200) }));
    const text = jsonl(lines);
    expect(Buffer.byteLength(text)).toBeGreaterThan(bodyLimitBytes);

    const created = await client.files.create({ file: await toFile(Buffer.from(text), 'in.jsonl'), purpose: 'batch' });
    expect(created).toEqual({
      id: expect.stringMatching(/^file-[A-Za-z0-9]{24}$/),
      object: 'file',
      bytes: Buffer.byteLength(text),
      created_at: expect.any(Number),
      filename: 'in.jsonl',
      purpose: 'batch',
      status: 'processed',
      status_details: null,
      expires_at: null,
    });
    expect(Math.abs(created.created_at - Date.now() / 1000)).toBeLessThan(60);

    expect(await client.files.retrieve(created.id)).toEqual(created);
    const listed = await client.files.list({ purpose: 'batch' });
    expect(listed.data.map((file) => file.id)).toContain(created.id);

    const content = await client.files.content(created.id);
    expect(await content.text()).toBe(text);

    const deleted = await client.files.delete(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.files.content(created.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(client.files.delete(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.files.list()).data.map((file) => file.id)).not.toContain(created.id);
    // No running batch reads it, so its lines went with it.
    const left = await harness.sql.query('SELECT 1 FROM file_lines WHERE file_id = $1', [created.id]);
    expect(left.rowCount).toBe(0);
  });

  it('normalises CRLF, a missing final newline and trailing blank lines in the content it serves', async () => {
    const created = await upload(`${requestLine('a')}\r\n${requestLine('b')}\r\n\r\n`);
    expect(created.status).toBe(200);
    const response = await fetch(`${harness.url}/v1/files/${created.body.id}/content`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(await response.text()).toBe(jsonl([requestLine('a'), requestLine('b')]));
    const last = await upload(requestLine('only'));
    expect(last.body).toMatchObject({ bytes: Buffer.byteLength(requestLine('only')) });
  });

  it('lists newest first with cursor pagination the SDK follows', async () => {
    const ids: string[] = [];
    for (const name of ['p1', 'p2', 'p3']) {
      ids.push((await client.files.create({ file: await toFile(Buffer.from(jsonl([requestLine(name)])), `${name}.jsonl`), purpose: 'batch' })).id);
    }
    const firstPage = await client.files.list({ limit: 2 });
    expect(firstPage.data.map((file) => file.id)).toEqual([ids[2], ids[1]]);
    expect(firstPage.has_more).toBe(true);
    const raw = await fetch(`${harness.url}/v1/files?limit=2`, { headers: { authorization: `Bearer ${key}` } });
    expect(await raw.json()).toMatchObject({ object: 'list', first_id: ids[2], last_id: ids[1], has_more: true });

    const all: string[] = [];
    for await (const file of client.files.list({ limit: 1 })) all.push(file.id);
    expect(all.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
    expect(new Set(all).size).toBe(all.length);
    const ascending = await client.files.list({ order: 'asc', after: ids[0] ?? '' });
    expect(ascending.data.map((file) => file.id)).toEqual([ids[1], ids[2]]);

    expect((await client.files.list({ purpose: 'batch_output' })).data).toEqual([]);
    const badCursor = await fetch(`${harness.url}/v1/files?after=file-nope`, { headers: { authorization: `Bearer ${key}` } });
    expect(badCursor.status).toBe(400);
  });

  it.each([
    ['invalid JSON', [requestLine('a'), requestLine('b'), '{"custom_id": "c", '], /line 3: not valid JSON/],
    ['a missing custom_id', [requestLine('a'), JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: {} })], /line 2: custom_id is missing/],
    ['a wrong url', [requestLine('a'), requestLine('b', { url: '/v1/completions' })], /line 2: url must be one of "\/v1\/chat\/completions", "\/v1\/embeddings"/],
    ['an embeddings url on a chat body', [requestLine('a'), requestLine('b', { url: '/v1/embeddings' })], /line 2: body\.input is missing/],
    ['a wrong method', [requestLine('a', { method: 'GET' })], /line 1: method must be "POST"/],
    ['a body that is not an object', [requestLine('a'), requestLine('b'), requestLine('c', { body: 'hi' })], /line 3: body must be a JSON object/],
    ['a blank line in the middle', [requestLine('a'), '', requestLine('b')], /line 2: empty line/],
    ['a duplicated custom_id', [requestLine('x'), requestLine('y'), requestLine('x')], /line 3: custom_id 'x' is duplicated \(first seen on line 1\)/],
  ])('refuses a file with %s, naming the line, and stores nothing', async (_name, lines, message) => {
    const before = await rowCounts();
    const response = await upload(jsonl(lines));
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_file', param: 'file', message: expect.stringMatching(message) });
    expect(await rowCounts()).toEqual(before);
  });

  it('413 file_too_large over files.maxLines and files.maxBytes, naming the limit', async () => {
    const tooManyLines = await upload(jsonl(Array.from({ length: maxLines + 1 }, (_, index) => requestLine(`n${index}`))));
    expect(tooManyLines.status).toBe(413);
    expect(tooManyLines.body.error).toMatchObject({
      code: 'file_too_large',
      param: 'file',
      message: expect.stringContaining(`line ${maxLines + 1}: the file has more than ${maxLines} lines (files.maxLines)`),
    });

    const big = jsonl(Array.from({ length: 35 }, (_, index) => requestLine(`b${index}`, { note: 'y'.repeat(600) })));
    expect(Buffer.byteLength(big)).toBeGreaterThan(maxBytes);
    const tooBig = await upload(big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({ code: 'file_too_large', message: expect.stringContaining(`larger than ${maxBytes} bytes (files.maxBytes)`) });

    const longLine = await upload(jsonl([requestLine('long', { note: 'z'.repeat(bodyLimitBytes) })]));
    expect(longLine.status).toBe(413);
    expect(longLine.body.error.message).toContain('line 1: the line is longer than');
  });

  it('400 for a wrong or missing purpose, whether it comes before or after the file, and for a missing file', async () => {
    const lines = jsonl([requestLine('a')]);
    for (const purposeLast of [false, true]) {
      const wrong = await upload(lines, { purpose: 'fine-tune', purposeLast });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toMatchObject({ code: 'invalid_request_body', param: 'purpose', message: expect.stringContaining("'fine-tune'") });
    }
    const missingPurpose = await upload(lines, { purpose: null });
    expect(missingPurpose.body.error).toMatchObject({ param: 'purpose', message: "Missing required parameter: 'purpose'." });

    const form = new FormData();
    form.append('purpose', 'batch');
    const noFile = await fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toMatchObject({ error: { code: 'invalid_request_body', param: 'file' } });

    const wrongField = await upload(lines, { field: 'document' });
    expect(wrongField.body.error).toMatchObject({ param: 'document' });

    const json = await fetch(`${harness.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"purpose": "batch"}',
    });
    expect(json.status).toBe(415);
  });

  it('keeps files to their project: 404 for another project’s key, and lists only its own', async () => {
    const created = await upload(jsonl([requestLine('mine')]));
    const id: string = created.body.id;
    const headers = { authorization: `Bearer ${otherKey}` };
    for (const [method, path] of [
      ['GET', `/v1/files/${id}`],
      ['GET', `/v1/files/${id}/content`],
      ['DELETE', `/v1/files/${id}`],
    ] as const) {
      const response = await fetch(`${harness.url}${path}`, { method, headers });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found', param: 'id' } });
    }
    const theirs = await fetch(`${harness.url}/v1/files`, { headers });
    expect(await theirs.json()).toMatchObject({ data: [], first_id: null, last_id: null, has_more: false });
    expect((await client.files.retrieve(id)).id).toBe(id);
  });

  it('serves generated batch output and error files from the batch’s requests rows', async () => {
    const batchId = 'batch_files_test';
    const completion = { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }] };
    const insert = (id: string, line: number, status: string, extra: { statusCode?: number | null; response?: unknown; errorCode?: string; errorMessage?: string }) =>
      harness.sql.query(
        `INSERT INTO requests (id, project_id, api_key_id, kind, status, model, batch_id, custom_id, line_number, status_code, response, error_code, error_message)
         VALUES ($1, $2, $3, 'batch', $4, 'mock-echo', $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          projectId,
          keyId,
          status,
          batchId,
          `c${line}`,
          line,
          extra.statusCode ?? null,
          extra.response === undefined ? null : JSON.stringify(extra.response),
          extra.errorCode ?? null,
          extra.errorMessage ?? null,
        ],
      );
    await insert('req_b3', 3, 'completed', { statusCode: 200, response: completion });
    await insert('req_b1', 1, 'completed', { statusCode: 200, response: completion });
    await insert('req_b2', 2, 'failed', { statusCode: 400, errorCode: 'provider_invalid_request', errorMessage: 'bad request' });
    await insert('req_b4', 4, 'expired', {});
    for (const [id, kind] of [
      ['file-output000000000000000000', 'batch_output'],
      ['file-errors0000000000000000000', 'batch_error'],
    ]) {
      await harness.sql.query(`INSERT INTO files (id, project_id, filename, purpose, kind, bytes, line_count, batch_id) VALUES ($1, $2, $3, 'batch_output', $4, 0, 0, $5)`, [
        id,
        projectId,
        `${batchId}_${kind}.jsonl`,
        kind,
        batchId,
      ]);
    }

    const output = (await (await client.files.content('file-output000000000000000000')).text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(output).toEqual([
      { id: 'req_b1', custom_id: 'c1', response: { status_code: 200, request_id: 'req_b1', body: completion }, error: null },
      { id: 'req_b3', custom_id: 'c3', response: { status_code: 200, request_id: 'req_b3', body: completion }, error: null },
    ]);
    const errors = (await (await client.files.content('file-errors0000000000000000000')).text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(errors).toEqual([
      {
        id: 'req_b2',
        custom_id: 'c2',
        response: { status_code: 400, request_id: 'req_b2', body: { error: { message: 'bad request', type: 'invalid_request_error', param: null, code: 'provider_invalid_request' } } },
        error: { code: 'provider_invalid_request', message: 'bad request' },
      },
      { id: 'req_b4', custom_id: 'c4', response: null, error: { code: 'batch_expired', message: expect.stringContaining('completion window') } },
    ]);
    expect((await client.files.retrieve('file-output000000000000000000')).purpose).toBe('batch_output');
  });

  it('finds duplicates across insert chunks and rolls the whole file back', async () => {
    const writer = await FileLineWriter.begin(harness.sql, { projectId, filename: 'big.jsonl', purpose: 'batch', kind: 'upload' });
    const error = await (async () => {
      for (let line = 1; line <= 2500; line += 1) await writer.append({ lineNumber: line, customId: line === 2100 ? 'id-5' : `id-${line}`, content: '{}' });
      await writer.flush();
    })().catch((thrown: unknown) => thrown);
    await writer.abort();
    expect(error).toBeInstanceOf(FileProblem);
    expect((error as FileProblem).message).toBe("line 2100: custom_id 'id-5' is duplicated (first seen on line 5)");
    expect((await harness.sql.query('SELECT 1 FROM files WHERE id = $1', [writer.fileId])).rowCount).toBe(0);
  });

  it('streams files of many pages in line order (stored lines, and a sparse error file)', async () => {
    const writer = await FileLineWriter.begin(harness.sql, { projectId, filename: 'pages.jsonl', purpose: 'batch', kind: 'upload' });
    const expected: string[] = [];
    for (let line = 1; line <= 2500; line += 1) {
      expected.push(`{"n":${line}}`);
      await writer.append({ lineNumber: line, customId: `n${line}`, content: `{"n":${line}}` });
    }
    const stored = await writer.commit({ bytes: 0, lineCount: 2500 });
    expect(await (await client.files.content(stored.id)).text()).toBe(jsonl(expected));

    const batchId = 'batch_sparse';
    await harness.sql.query(
      `INSERT INTO requests (id, project_id, api_key_id, kind, status, model, batch_id, custom_id, line_number, status_code, error_code, error_message)
       SELECT 'req_sparse_' || n, $1, $2, 'batch', CASE WHEN n % 97 = 0 THEN 'failed' ELSE 'completed' END, 'mock-echo', $3, 'c' || n, n, 500, 'provider_error', 'boom'
       FROM generate_series(1, 1200) AS n`,
      [projectId, keyId, batchId],
    );
    await harness.sql.query(
      `INSERT INTO files (id, project_id, filename, purpose, kind, bytes, line_count, batch_id) VALUES ('file-sparse00000000000000000', $1, 'e.jsonl', 'batch_output', 'batch_error', 0, 0, $2)`,
      [projectId, batchId],
    );
    const errors = (await (await client.files.content('file-sparse00000000000000000')).text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).custom_id);
    expect(errors).toEqual(Array.from({ length: 12 }, (_, index) => `c${(index + 1) * 97}`));
  });

  it('stores inline batch requests as a file of kind inline, with the same validation', async () => {
    const body = { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] };
    const file = await storeJsonlLines({
      pool: harness.sql,
      projectId,
      requests: [
        { custom_id: 'i1', body },
        { custom_id: 'i2', body },
      ],
    });
    expect(file).toMatchObject({ kind: 'inline', purpose: 'batch', lineCount: 2 });
    const content = await (await client.files.content(file.id)).text();
    expect(
      content
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { custom_id: 'i1', method: 'POST', url: '/v1/chat/completions', body },
      { custom_id: 'i2', method: 'POST', url: '/v1/chat/completions', body },
    ]);
    expect(file.bytes).toBe(Buffer.byteLength(content));

    await expect(
      storeJsonlLines({
        pool: harness.sql,
        projectId,
        requests: [
          { custom_id: 'd', body },
          { custom_id: 'e', body },
          { custom_id: 'd', body },
        ],
      }),
    ).rejects.toMatchObject({ code: 'invalid_request_body', param: 'requests[2]', message: "requests[2]: custom_id 'd' is duplicated (first seen on requests[0])" });
    await expect(storeJsonlLines({ pool: harness.sql, projectId, requests: [{ custom_id: 'f', body: { model: 'm' } }] })).rejects.toMatchObject({
      message: 'requests[0]: body.messages is missing',
    });
  });
});
