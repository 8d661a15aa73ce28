import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTraceparent, readRequestCorrelation } from '../src/observability/request-correlation.ts';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const validTraceparent = `00-${traceId}-00f067aa0ba902b7-01`;

describe('reading correlation headers', () => {
  it.each([
    ['a UUID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['dots, colons, underscores', 'job.42:step_7'],
    ['128 characters', 'a'.repeat(128)],
    ['base64', 'YWJjZA+/=='],
  ])('keeps a well-formed x-request-id (%s)', (_what, value) => {
    expect(readRequestCorrelation({ 'x-request-id': value })).toEqual({ clientRequestId: value });
  });

  it.each([
    ['10 KB', 'x'.repeat(10_240)],
    ['129 characters', 'a'.repeat(129)],
    ['empty', ''],
    ['a newline', 'abc\ninjected'],
    ['a carriage return', 'abc\r\nx-evil: 1'],
    ['a NUL', 'abc\u0000def'],
    ['a tab', 'abc\tdef'],
    ['a space', 'abc def'],
    ['a repeated header', ['one', 'two']],
    ['non-ASCII', 'caf\u00e9'],
  ])('ignores a malformed x-request-id (%s)', (_what, value) => {
    expect(readRequestCorrelation({ 'x-request-id': value })).toEqual({});
  });

  it('keeps a valid traceparent and reads its trace id', () => {
    expect(readRequestCorrelation({ traceparent: validTraceparent })).toEqual({ traceparent: validTraceparent });
    expect(parseTraceparent(validTraceparent)).toEqual({ traceId, parentId: '00f067aa0ba902b7', flags: '01' });
  });

  it('reads a later version as version 00, dropping the fields it adds', () => {
    expect(readRequestCorrelation({ traceparent: `cc-${traceId}-00f067aa0ba902b7-09-what-the-future-adds` })).toEqual({ traceparent: `00-${traceId}-00f067aa0ba902b7-09` });
  });

  it.each([
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', `00-${traceId}-0000000000000000-01`],
    ['version ff', `ff-${traceId}-00f067aa0ba902b7-01`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`],
    ['a short trace id', `00-${traceId.slice(1)}-00f067aa0ba902b7-01`],
    ['extra fields on version 00', `${validTraceparent}-extra`],
    ['garbage', 'not a traceparent'],
    ['a newline', `${validTraceparent}\n`],
    ['a repeated header', [validTraceparent, validTraceparent]],
  ])('ignores an invalid traceparent (%s)', (_what, value) => {
    expect(readRequestCorrelation({ traceparent: value })).toEqual({});
  });
});

/**
 * The gateway's own id stays the key of the request (answered as `x-request-id`, the record's id); a
 * caller's well-formed `x-request-id` is kept beside it, echoed as `x-client-request-id`, logged and
 * stored; a valid `traceparent` is echoed, logged as `trace_id` and passed on to the provider.
 */
describe('request correlation end to end', () => {
  const upstream = new OpenAIWireServer();
  const captured: string[] = [];
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      environment: { LOG_LEVEL: 'info' },
      logDestination: { write: (line: string) => void captured.push(line) },
      config: {
        providers: { openai: { type: 'openai', baseUrl, apiKey: 'sk-upstream-secret-0123456789', maxAttempts: 1 } },
        models: { 'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
      },
    });
    key = (await harness.createKey('correlated')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const logLines = (): LogLine[] => captured.map((line) => JSON.parse(line) as LogLine);
  const chat = (headers: Record<string, string>, content = 'hello') => postJson(`${harness.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, key, headers);
  const settledLine = async (requestId: string) => {
    await expect.poll(() => logLines().some((line) => line.msg === 'request settled' && line.requestId === requestId), { timeout: 5000, interval: 20 }).toBe(true);
    return logLines().find((line) => line.msg === 'request settled' && line.requestId === requestId)!;
  };
  const recorded = async (requestId: string) => {
    const response = await fetch(`${harness.url}/v1/requests/${requestId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string; client_request_id: string | null };
  };

  it("keeps the gateway's id as the key and the caller's x-request-id beside it: echoed, logged, stored", async () => {
    const response = await chat({ 'x-request-id': 'checkout-7f3a:42' });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-client-request-id')).toBe('checkout-7f3a:42');
    expect(await settledLine(requestId)).toMatchObject({ requestId, clientRequestId: 'checkout-7f3a:42' });
    expect(await recorded(requestId)).toMatchObject({ id: requestId, client_request_id: 'checkout-7f3a:42' });
  });

  it('carries the correlation of an async job to its record and its worker-side lines', async () => {
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'later' }] }, key, {
      'x-request-id': 'async-9',
      traceparent: validTraceparent,
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('x-client-request-id')).toBe('async-9');
    const requestId = accepted.body.id as string;
    expect(await settledLine(requestId)).toMatchObject({ requestId, kind: 'async', clientRequestId: 'async-9', trace_id: traceId });
    expect(await recorded(requestId)).toMatchObject({ client_request_id: 'async-9' });
    expect(upstream.requests[0]?.headers.traceparent).toBe(validTraceparent);
  });

  it('two requests with the same x-request-id keep two records, each under its own id', async () => {
    const first = await chat({ 'x-request-id': 'same-id' }, 'first');
    const second = await chat({ 'x-request-id': 'same-id' }, 'second');
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    expect(new Set(ids).size).toBe(2);
    await Promise.all(ids.map((id) => settledLine(id!)));
    const { rows } = await harness.sql.query('SELECT id, response FROM requests WHERE client_request_id = $1 ORDER BY created_at', ['same-id']);
    expect(rows.map((row) => row.id)).toEqual(ids);
    expect(rows.map((row) => row.response.choices[0].message.content)).toEqual(['echo: first', 'echo: second']);
  });

  it('ignores a malformed x-request-id (10 KB, a tab) without an error, and uses a fresh id', async () => {
    for (const value of ['x'.repeat(10_240), 'abc\tdef']) {
      const response = await chat({ 'x-request-id': value });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
      expect(response.headers.get('x-client-request-id')).toBeNull();
      const requestId = response.headers.get('x-request-id')!;
      expect((await settledLine(requestId)).clientRequestId).toBeUndefined();
      expect((await recorded(requestId)).client_request_id).toBeNull();
    }
  });

  it('ignores what only a raw client sends (a non-ASCII byte), and what Node lets through to the app only in-process (newline, NUL)', async () => {
    // Node's HTTP parser answers 400 itself to control characters on a socket; an obs-text byte passes it.
    const port = new URL(harness.url).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          Buffer.concat([
            Buffer.from(`GET /v1/models HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\nAuthorization: Bearer ${key}\r\nx-request-id: `),
            Buffer.from('caf\xe9', 'latin1'),
            Buffer.from('\r\n\r\n'),
          ]),
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toMatch(/^http\/1\.1 200/);
    expect(head).toMatch(/\r\nx-request-id: req_[0-9a-f]{32}\r\n/);
    expect(head).not.toContain('x-client-request-id');

    for (const value of ['abc\ninjected', 'abc\u0000def']) {
      const answer = await harness.gateway.app!.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${key}`, 'x-request-id': value } });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
      expect(answer.headers['x-client-request-id']).toBeUndefined();
    }
  });

  it('honours a valid traceparent: echoed, logged as trace_id, passed on to the provider', async () => {
    const response = await chat({ traceparent: validTraceparent });
    expect(response.status).toBe(200);
    expect(response.headers.get('traceparent')).toBe(validTraceparent);
    expect(upstream.requests[0]?.headers.traceparent).toBe(validTraceparent);
    const requestId = response.headers.get('x-request-id')!;
    expect(await settledLine(requestId)).toMatchObject({ requestId, trace_id: traceId });
  });

  it('echoes both on a streamed answer too (written past the usual reply hooks)', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'stream-1', traceparent: validTraceparent },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream me' }] }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await response.text();
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-client-request-id')).toBe('stream-1');
    expect(response.headers.get('traceparent')).toBe(validTraceparent);
  });

  it.each([
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['garbage', 'trace me please'],
    ['a too long value', `00-${traceId}-00f067aa0ba902b7-01${'0'.repeat(4000)}`],
  ])('ignores an invalid traceparent (%s): not echoed, not logged, not passed on', async (_what, value) => {
    const response = await chat({ traceparent: value });
    expect(response.status).toBe(200);
    expect(response.headers.get('traceparent')).toBeNull();
    expect(upstream.requests[0]?.headers.traceparent).toBeUndefined();
    expect((await settledLine(response.headers.get('x-request-id')!)).trace_id).toBeUndefined();
  });

  it('names the request id requestId in every line about a request, API side and worker side', async () => {
    upstream.enqueue(openaiError(500, { message: 'boom', type: 'server_error' }));
    const failed = await chat({ 'x-request-id': 'lines-1', traceparent: validTraceparent });
    expect(failed.status).toBe(502);
    const refused = await postJson(`${harness.url}/v1/chat/completions`, { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, key, { 'x-request-id': 'lines-2' });
    expect(refused.status).toBe(404);
    const failedId = failed.headers.get('x-request-id')!;
    const refusedId = refused.headers.get('x-request-id')!;
    await settledLine(failedId);
    await expect.poll(() => logLines().some((line) => line.msg === 'request refused' && line.requestId === refusedId), { timeout: 5000, interval: 20 }).toBe(true);

    const about = (id: string) => captured.filter((line) => line.includes(id)).map((line) => JSON.parse(line) as LogLine);
    // The worker's lines (the failed call, the settled request) and the API's (the refusal).
    expect(about(failedId).map((line) => line.msg)).toEqual(expect.arrayContaining(['provider call failed; giving up', 'request settled']));
    for (const line of about(failedId)) expect(line).toMatchObject({ requestId: failedId, clientRequestId: 'lines-1', trace_id: traceId });
    expect(about(refusedId).map((line) => line.msg)).toContain('request refused');
    for (const line of about(refusedId)) expect(line).toMatchObject({ requestId: refusedId, clientRequestId: 'lines-2' });
    for (const line of logLines()) {
      expect(line).not.toHaveProperty('reqId');
      expect(line).not.toHaveProperty('request_id');
    }
  });
});
