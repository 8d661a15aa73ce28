import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CliError } from './cli-error.ts';
import { GatewayClient } from './gateway-client.ts';
import { retryDelayMs, withRetries } from './retry-request.ts';

interface Seen {
  key: string | undefined;
  body: string;
}

/** A scripted gateway: each request takes the next answer; `drop` closes the socket without one. */
type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | 'drop';

describe('withRetries against a scripted gateway', () => {
  let server: Server;
  let client: GatewayClient;
  let script: Scripted[] = [];
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ key: request.headers['idempotency-key'] as string | undefined, body: Buffer.concat(chunks).toString() });
        const next = script.shift() ?? { status: 500, body: { error: { message: 'unscripted', code: 'internal_error' } } };
        if (next === 'drop') {
          request.socket.destroy();
          return;
        }
        response.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(JSON.stringify(next.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new GatewayClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bearer: 'key', credentialSource: 'test' });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const schema = z.object({ id: z.string() });
  const error = (status: number, code: string, headers: Record<string, string> = {}): Scripted => ({ status, body: { error: { message: code, type: 'x', param: null, code } }, headers });
  const fast = { baseDelayMs: 1 };

  it('retries a 503, a rate-limit 429, a key still in use and a dropped connection, with the same key each time', async () => {
    script = [
      error(503, 'service_unavailable', { 'retry-after': '0' }),
      error(429, 'rate_limit_exceeded', { 'retry-after': '0' }),
      error(409, 'idempotency_key_in_use'),
      'drop',
      { status: 200, body: { id: 'batch_1' } },
    ];
    const retries: number[] = [];
    const created = await withRetries(() => client.json('POST', '/v1/batches', schema, { input_file_id: 'file-1' }, { idempotencyKey: 'key-1' }), {
      ...fast,
      attempts: 5,
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    expect(created).toEqual({ id: 'batch_1' });
    expect(seen.map((request) => request.key)).toEqual(['key-1', 'key-1', 'key-1', 'key-1', 'key-1']);
    expect(retries).toEqual([2, 3, 4, 5]);
  });

  it('gives up after the last attempt with the last error', async () => {
    script = [error(503, 'service_unavailable'), error(503, 'service_unavailable')];
    await expect(withRetries(() => client.json('POST', '/v1/batches', schema, {}, { idempotencyKey: 'k' }), { ...fast, attempts: 2 })).rejects.toThrow(/service_unavailable/);
    expect(seen).toHaveLength(2);
  });

  it('does not retry a refusal or a spent budget', async () => {
    script = [error(400, 'invalid_request_body')];
    await expect(withRetries(() => client.json('POST', '/v1/batches', schema, {}, { idempotencyKey: 'k' }), fast)).rejects.toThrow(/invalid_request_body/);
    script = [error(429, 'insufficient_quota')];
    await expect(withRetries(() => client.json('POST', '/v1/batches', schema, {}, { idempotencyKey: 'k' }), fast)).rejects.toThrow(/insufficient_quota/);
    expect(seen).toHaveLength(2);
  });

  it('sends a streamed upload again, from a fresh body, with the same key', async () => {
    script = [error(503, 'service_unavailable', { 'retry-after': '0' }), { status: 200, body: { id: 'file-1' } }];
    const file = await withRetries(async () => {
      async function* body() {
        yield Buffer.from('line 1\n');
        yield Buffer.from('line 2\n');
      }
      return client.postStream({ path: '/v1/files', contentType: 'text/plain', body: body(), bodyError: () => undefined, schema, idempotencyKey: 'upload-key' });
    }, fast);
    expect(file).toEqual({ id: 'file-1' });
    expect(seen).toEqual([
      { key: 'upload-key', body: 'line 1\nline 2\n' },
      { key: 'upload-key', body: 'line 1\nline 2\n' },
    ]);
  });
});

describe('retryDelayMs', () => {
  const httpError = (status: number, code: string | null, retryAfterMs?: number) => new CliError('x', { http: { status, code, retryAfterMs } });

  it('honours Retry-After, else backs off exponentially, within the cap', () => {
    expect(retryDelayMs(httpError(503, 'service_unavailable', 2000), 1)).toBe(2000);
    expect(retryDelayMs(httpError(503, 'service_unavailable'), 1)).toBe(1000);
    expect(retryDelayMs(httpError(503, 'service_unavailable'), 3)).toBe(4000);
    expect(retryDelayMs(httpError(429, 'rate_limit_exceeded', 120_000), 1)).toBe(30_000);
    expect(retryDelayMs(new CliError('cannot reach the gateway', { transient: true }), 2, { baseDelayMs: 10 })).toBe(20);
  });

  it('refuses what a retry cannot fix', () => {
    expect(retryDelayMs(httpError(500, 'internal_error'), 1)).toBeUndefined();
    expect(retryDelayMs(httpError(409, 'batch_not_cancellable'), 1)).toBeUndefined();
    expect(retryDelayMs(new CliError('reviews.csv line 3: …'), 1)).toBeUndefined();
    expect(retryDelayMs(new Error('not a CliError'), 1)).toBeUndefined();
  });
});
