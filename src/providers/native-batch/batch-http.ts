import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Pool, request as undiciRequest, type Dispatcher } from 'undici';
import { ProviderError } from '../../errors/provider-error.ts';
import type { WireErrorInput } from '../provider-client.ts';
import { parseJson } from '../http-stream-call.ts';
import type { BatchWireRequest } from './native-batch-types.ts';

export interface BatchHttpSettings {
  /** The provider instance's name (errors name it). */
  name: string;
  baseUrl: string;
  /** Bounds the wait for an answer's headers and between two reads of its body. */
  timeoutMs: number;
  /** The wire format's reading of an error answer. */
  parseError: (input: WireErrorInput) => ProviderError;
}

/** A request whose body is streamed (an inline batch's JSON, built line by line). */
export interface StreamedBatchRequest {
  method: 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body: () => AsyncIterable<string>;
}

/** A `multipart/form-data` upload: text fields, then one file whose content is streamed. */
export interface BatchFileUpload {
  path: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
  file: { fieldName: string; filename: string; contentType: string; content: () => AsyncIterable<string> };
}

/** Where to read JSONL from: a request relative to the baseUrl, or an absolute URL the provider gave (a `results_url`). */
export type BatchLinesSource = BatchWireRequest | { url: string; headers: Record<string, string> };

/**
 * The I/O half every provider's batch API shares: JSON calls, streamed uploads and bodies, and JSONL
 * read line by line as it arrives (a results file is never held whole). A small pool of its own: batch
 * calls are few and long, and must not take the sockets of the provider's sync calls.
 */
export class BatchHttp {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly settings: BatchHttpSettings) {
    const base = new URL(settings.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, { connections: 4, keepAliveTimeout: 30_000, headersTimeout: settings.timeoutMs, bodyTimeout: settings.timeoutMs });
  }

  /** One JSON call: the parsed body of a 2xx answer, else the wire format's ProviderError. */
  async json(wire: BatchWireRequest, signal: AbortSignal): Promise<unknown> {
    const body = wire.body === undefined ? undefined : JSON.stringify(wire.body);
    return this.answer(() => this.pool.request({ method: wire.method, path: this.basePath + wire.path, headers: wire.headers, body, signal }));
  }

  /** A call whose body is streamed from an iterable of text. */
  async streamed(wire: StreamedBatchRequest, signal: AbortSignal): Promise<unknown> {
    return this.answer(() => this.pool.request({ method: wire.method, path: this.basePath + wire.path, headers: wire.headers, body: Readable.from(wire.body()), signal }));
  }

  /** A multipart upload, its file streamed (the parts' framing written around it). */
  async upload(upload: BatchFileUpload, signal: AbortSignal): Promise<unknown> {
    const boundary = `----gateway-${randomBytes(12).toString('hex')}`;
    async function* multipart(): AsyncIterable<string> {
      for (const [name, value] of Object.entries(upload.fields)) {
        yield `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      }
      const { file } = upload;
      yield `--${boundary}\r\ncontent-disposition: form-data; name="${file.fieldName}"; filename="${file.filename}"\r\ncontent-type: ${file.contentType}\r\n\r\n`;
      yield* file.content();
      yield `\r\n--${boundary}--\r\n`;
    }
    const headers = { ...upload.headers, 'content-type': `multipart/form-data; boundary=${boundary}` };
    return this.answer(() => this.pool.request({ method: 'POST', path: this.basePath + upload.path, headers, body: Readable.from(multipart()), signal }));
  }

  /** A JSONL body, one non-empty line at a time, read as it arrives. */
  async *lines(source: BatchLinesSource, signal: AbortSignal): AsyncIterable<string> {
    const response = await this.send(() => {
      if ('url' in source) {
        const url = new URL(source.url);
        const options = { method: 'GET' as const, headers: source.headers, signal, headersTimeout: this.settings.timeoutMs, bodyTimeout: this.settings.timeoutMs };
        return url.origin === this.origin ? this.pool.request({ ...options, path: url.pathname + url.search }) : undiciRequest(url, options);
      }
      return this.pool.request({ method: source.method, path: this.basePath + source.path, headers: source.headers, signal });
    });
    if (response.statusCode >= 400) throw await this.errorOf(response);
    const reader = createInterface({ input: response.body, crlfDelay: Infinity });
    try {
      for await (const line of reader) {
        if (line.trim().length > 0) yield line;
      }
    } catch (error) {
      throw this.networkError(error);
    } finally {
      reader.close();
      response.body.destroy();
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async answer(call: () => Promise<Dispatcher.ResponseData>): Promise<unknown> {
    const response = await this.send(call);
    if (response.statusCode >= 400) throw await this.errorOf(response);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw this.networkError(error);
    }
    const body = parseJson(text);
    if (body === undefined) {
      throw new ProviderError({
        provider: this.settings.name,
        status: 502,
        code: 'invalid_provider_response',
        message: `provider answered HTTP ${response.statusCode} with a body that is not JSON`,
        retryable: true,
      });
    }
    return body;
  }

  private async send(call: () => Promise<Dispatcher.ResponseData>): Promise<Dispatcher.ResponseData> {
    try {
      return await call();
    } catch (error) {
      throw this.networkError(error);
    }
  }

  private async errorOf(response: Dispatcher.ResponseData): Promise<ProviderError> {
    const text = await response.body.text().catch(() => '');
    const body = parseJson(text);
    return this.settings.parseError({ provider: this.settings.name, status: response.statusCode, headers: response.headers, body: body === undefined ? text : body });
  }

  private networkError(error: unknown): ProviderError {
    if (ProviderError.is(error)) return error;
    const detail = error instanceof Error ? error.message : String(error);
    const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'network_error';
    return new ProviderError({ provider: this.settings.name, code, message: `cannot reach provider's batch API: ${detail}`, retryable: true, cause: error });
  }
}
