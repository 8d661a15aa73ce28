import { Readable } from 'node:stream';
import type { z } from 'zod';
import { CliError } from './cli-error.ts';
import { errorBodySchema } from './gateway-schemas.ts';

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8080` (a trailing `/v1` is dropped). */
  url: string;
  bearer: string;
  /** Where the bearer came from, named in the hint of a 401, e.g. `GATEWAY_API_KEY / --api-key`. */
  credentialSource: string;
}

/** JSON calls fail after this long; uploads and downloads stream for as long as they need. */
const jsonTimeoutMs = 60_000;

/** The gateway over HTTP with Node's fetch. Every failure becomes a one-line {@link CliError}. */
export class GatewayClient {
  readonly baseUrl: string;

  constructor(private readonly options: GatewayClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.url);
  }

  /** `idempotencyKey` makes a POST safe to retry: the gateway answers a repeat with the first answer. */
  async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, schema: z.ZodType<T>, body?: unknown, options: { idempotencyKey?: string; headers?: Record<string, string> } = {}): Promise<T> {
    const response = await this.send(path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...idempotencyHeader(options.idempotencyKey), ...options.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(jsonTimeoutMs),
    });
    return this.parse(method, path, response, schema);
  }

  /** POSTs a streamed body (e.g. a multipart upload); `bodyError` lets a failing source win over fetch's own error. */
  async postStream<T>(input: { path: string; contentType: string; body: AsyncIterable<Uint8Array>; bodyError: () => unknown; schema: z.ZodType<T>; idempotencyKey?: string }): Promise<T> {
    let response: Response;
    try {
      response = await this.send(input.path, {
        method: 'POST',
        headers: { 'content-type': input.contentType, ...idempotencyHeader(input.idempotencyKey) },
        body: ReadableStream.from(input.body),
        duplex: 'half',
      });
    } catch (error) {
      throw input.bodyError() ?? error;
    }
    return this.parse('POST', input.path, response, input.schema);
  }

  /** A GET whose body is streamed to the caller, e.g. a file's content. */
  async stream(path: string): Promise<Readable> {
    const response = await this.send(path, { method: 'GET' });
    if (!response.body) throw new CliError(`GET ${path}: the gateway answered without a body`);
    return Readable.fromWeb(response.body);
  }

  private async parse<T>(method: string, path: string, response: Response, schema: z.ZodType<T>): Promise<T> {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`${method} ${path}: the gateway at ${this.baseUrl} answered something other than JSON: ${excerpt(text)}`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new CliError(`${method} ${path}: unexpected answer from the gateway (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`);
    }
    return result.data;
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.options.bearer}`, ...init.headers },
      });
    } catch (error) {
      throw this.transportError(error);
    }
    if (!response.ok) throw await this.httpError(init.method ?? 'GET', path, response);
    return response;
  }

  private transportError(error: unknown): CliError {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new CliError(`the gateway at ${this.baseUrl} did not answer within ${jsonTimeoutMs / 1000} s`, { cause: error, transient: true });
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : (cause?.message ?? (error instanceof Error ? error.message : String(error)));
    return new CliError(`cannot reach the gateway at ${this.baseUrl} (${code}); is it running? Set GATEWAY_URL or --url.`, { cause: error, transient: true });
  }

  private async httpError(method: string, path: string, response: Response): Promise<CliError> {
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = errorBodySchema.safeParse(body);
    const where = `${method} ${path}`;
    const transient = response.status >= 500;
    const http = { status: response.status, code: parsed.success ? (parsed.data.error.code ?? null) : null, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (!parsed.success) return new CliError(`${where}: HTTP ${response.status} ${response.statusText}${text ? `: ${excerpt(text)}` : ''}`, { transient, http });
    const { message, code, param } = parsed.data.error;
    const hint = response.status === 401 ? ` Check ${this.options.credentialSource}.` : '';
    const paramText = param ? ` (param: ${param})` : '';
    return new CliError(`${message}${paramText} [HTTP ${response.status}${code ? ` ${code}` : ''}, ${where}]${hint}`, { transient, http });
  }
}

/** Also takes the OpenAI-style base URL ending in `/v1`, as SDK users have it at hand. */
export function normalizeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`'${url}' is not a URL; set GATEWAY_URL or --url to the gateway's address, e.g. http://127.0.0.1:8080`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`'${url}' is not an http(s) URL`);
  return parsed.href.replace(/\/+$/, '').replace(/\/v1$/, '');
}

const idempotencyHeader = (key: string | undefined): Record<string, string> => (key === undefined ? {} : { 'idempotency-key': key });

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
