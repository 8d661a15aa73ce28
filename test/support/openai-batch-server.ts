import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  echoAnswer,
  errorBody,
  flavors,
  listAnswer,
  newBatchObject,
  readBatchInput,
  renderBatch,
  renderNotRunLine,
  renderResultLine,
  shortId,
  type BatchError,
  type FlavorWire,
  type OpenAIBatchObject,
  type OpenAIBatchServerAnswer,
  type OpenAIBatchServerFlavor,
  type OpenAIBatchServerLine,
  type OpenAIBatchServerOperation,
  unauthorizedBody,
} from './openai-batch-server-wire.ts';
import { parseJsonLines, parseMultipart, type ParsedInputLine } from './openai-batch-server-files.ts';

export type { OpenAIBatchServerAnswer, OpenAIBatchServerFlavor, OpenAIBatchServerLine, OpenAIBatchObject } from './openai-batch-server-wire.ts';
export { echoAnswer, vectorOf } from './openai-batch-server-wire.ts';

export interface OpenAIBatchServerOptions {
  /** Whose wire: OpenAI (`/v1`), Groq (`/openai/v1`, cursor paging), Together (`/v1`, its own objects), Azure (`/openai`, `api-key`, `api-version`). @defaultValue 'openai' */
  flavor?: OpenAIBatchServerFlavor;
  /** The key the server accepts. @defaultValue 'sk-batch-test' */
  apiKey?: string;
  /** The knobs below start as given; each is a field of the same name on the server (see there). */
  answer?: (line: OpenAIBatchServerLine) => OpenAIBatchServerAnswer;
  completeAfterPolls?: number;
  hold?: boolean;
  progressLines?: number;
  listPageSize?: number;
  /** The server's clock, in Unix seconds. @defaultValue the wall clock */
  now?: () => number;
}

/** A batch as the server keeps it: its OpenAI object (mutable: tests may backdate `created_at`), its lines and model. */
export interface StoredBatch {
  batch: OpenAIBatchObject;
  lines: OpenAIBatchServerLine[];
  model: string | undefined;
  /** Retrieves while it ran. */
  polls: number;
  /** Why it fails when it starts (found at create, shown on the first retrieve, as the real API validates asynchronously). */
  validationErrors: BatchError[];
  sequence: number;
}

interface StoredFile {
  object: Record<string, unknown> & { id: string; purpose: string };
  content: Buffer;
  input?: ParsedInputLine[];
}

const settledStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);

/**
 * A local server speaking OpenAI's Files and Batches APIs (and Groq's, Together's and Azure's versions
 * of them), for tests and benchmarks. Objects are shaped as each vendor documents them (OpenAI's Batch,
 * File and list objects; Together's job object); results are written in reverse input order (the real
 * APIs keep no order): 2xx answers to the output file, other answers and requests that never ran to the
 * error file. A batch moves only when retrieved: the first retrieve validates and starts it, and it
 * completes on the retrieve after `completeAfterPolls` more (unless held). Fast for 100,000-line batches:
 * the upload is parsed once, results are built in one pass.
 */
export class OpenAIBatchServer {
  readonly flavor: FlavorWire;
  readonly apiKey: string;
  /** The provider config's `baseUrl` for this server (Azure: the resource endpoint). */
  baseUrl = '';

  /** How each request is answered. @defaultValue {@link echoAnswer} (a chat echo, or one deterministic embedding per input) */
  answer: (line: OpenAIBatchServerLine) => OpenAIBatchServerAnswer;
  /** Retrieves a started batch answers `in_progress` before it completes: 0 completes it on the first retrieve after create. */
  completeAfterPolls: number;
  /** While true, batches stay `in_progress` (until {@link release}); cancel and expiry still end them. */
  hold: boolean;
  /** How many lines (in input order) count as done while a batch runs: what a cancel or an expiry keeps. @defaultValue 0 */
  progressLines: number;
  /** Every create is refused with this answer while set (e.g. a 400 for a model without batch support). */
  refuseCreates: { status: number; body: unknown } | undefined;
  /** The next this many creates are performed, then the socket is destroyed instead of answering. */
  dropCreateAnswers = 0;
  /** The next this many retrieves answer a transient 500. */
  failRetrieves = 0;
  /**
   * Batches created while set fail validation with this error, as OpenAI fails a batch over its
   * enqueued-token quota (see {@link tokenLimitExceeded}): the create succeeds, the batch becomes `failed`.
   */
  failValidation: { code: string; message: string } | undefined;
  /** Output files get a line that is not JSON and a line with a custom_id no request had. */
  malformedResults = false;
  /** The largest page `GET /batches` answers. @defaultValue 100 (OpenAI's maximum `limit`) */
  listPageSize: number;
  now: () => number;

  /** Batches made (refused creates are not counted; dropped answers are). */
  creates = 0;
  uploads = 0;
  cancels = 0;
  retrieves = 0;
  /** The bodies of the creates the server accepted, in order. */
  readonly createRequests: Array<Record<string, unknown>> = [];
  /** Calls of `GET /batches`. */
  lists = 0;
  /** How many times each custom_id was submitted, across all batches made. */
  readonly linesReceived = new Map<string, number>();
  readonly batches = new Map<string, StoredBatch>();
  readonly files = new Map<string, StoredFile>();

  private readonly released = new Set<string>();
  private server: Server | undefined;

  private constructor(options: OpenAIBatchServerOptions) {
    this.flavor = flavors[options.flavor ?? 'openai'];
    this.apiKey = options.apiKey ?? 'sk-batch-test';
    this.answer = options.answer ?? echoAnswer;
    this.completeAfterPolls = options.completeAfterPolls ?? 0;
    this.hold = options.hold ?? false;
    this.progressLines = options.progressLines ?? 0;
    this.listPageSize = options.listPageSize ?? 100;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  static async start(options: OpenAIBatchServerOptions = {}): Promise<OpenAIBatchServer> {
    const instance = new OpenAIBatchServer(options);
    const server = createServer((request, response) => instance.handle(request, response));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instance.server = server;
    instance.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${instance.flavor.configPath}`;
    return instance;
  }

  /** OpenAI's failure of a batch over the enqueued-token quota (the batch `failed`, code `token_limit_exceeded`). */
  static tokenLimitExceeded(model: string): { code: string; message: string } {
    return {
      code: 'token_limit_exceeded',
      message: `Enqueued token limit reached for ${model} in organization org-test. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed.`,
    };
  }

  /** Lets one held batch complete on its next retrieve, or (no id) ends {@link hold} for all. */
  release(batchId?: string): void {
    if (batchId === undefined) this.hold = false;
    else this.released.add(batchId);
  }

  /** The batch (or every running batch) expires now: done lines in the output file, the rest `batch_expired`. */
  expire(batchId?: string): void {
    const targets = batchId === undefined ? [...this.batches.values()] : [this.batches.get(batchId)].filter((stored) => stored !== undefined);
    for (const stored of targets) if (!settledStatuses.has(stored.batch.status)) this.finish(stored, 'expired');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        this.route(request, Buffer.concat(chunks), response);
      } catch (error) {
        this.send(response, 500, errorBody({ message: error instanceof Error ? error.message : String(error), type: 'server_error' }));
      }
    });
  }

  private route(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const { flavor } = this;
    if (!url.pathname.startsWith(`${flavor.basePath}/`) || (flavor.requiredQuery && !url.searchParams.get(flavor.requiredQuery))) {
      return this.send(response, 404, { error: { code: '404', message: 'Resource not found' } });
    }
    if (!this.authorized(request)) return this.unauthorized(request, response);
    const path = url.pathname.slice(flavor.basePath.length);
    const method = request.method ?? 'GET';
    const [, resource, id, action] = path.split('/');
    if (method === 'POST' && path === flavor.uploadPath) return this.upload(request, body, response);
    if (resource === 'files' && id && method === 'GET') return this.readFile(decodeURIComponent(id), action, response);
    if (resource === 'batches' && !id && method === 'POST') return this.create(body, response);
    if (resource === 'batches' && !id && method === 'GET') return this.list(url.searchParams, response);
    if (resource === 'batches' && id && !action && method === 'GET') return this.retrieve(decodeURIComponent(id), response);
    if (resource === 'batches' && id && action === 'cancel' && method === 'POST') return this.cancel(decodeURIComponent(id), response);
    return this.send(response, 404, errorBody({ message: `Invalid URL (${method} ${url.pathname})`, type: 'invalid_request_error' }));
  }

  private authorized(request: IncomingMessage): boolean {
    const value = request.headers[this.flavor.authHeader];
    return value === (this.flavor.authHeader === 'api-key' ? this.apiKey : `Bearer ${this.apiKey}`);
  }

  private unauthorized(request: IncomingMessage, response: ServerResponse): void {
    this.send(response, 401, unauthorizedBody(this.flavor, request.headers[this.flavor.authHeader] !== undefined));
  }

  private upload(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const form = parseMultipart(body, request.headers['content-type']);
    if (!form?.file) return this.send(response, 400, errorBody({ message: "'file' is a required property", type: 'invalid_request_error', param: 'file' }));
    const purpose = form.fields['purpose'];
    if (purpose !== this.flavor.purpose) {
      return this.send(
        response,
        400,
        errorBody({ message: `Invalid value for 'purpose': expected '${this.flavor.purpose}'.`, type: 'invalid_request_error', param: 'purpose', code: 'invalid_value' }),
      );
    }
    if (this.flavor.object === 'together' && !form.fields['file_name'])
      return this.send(response, 400, errorBody({ message: 'file_name is required', type: 'invalid_request_error', param: 'file_name' }));
    this.uploads += 1;
    const input = parseJsonLines(form.file.content);
    const object = { id: `file-${shortId()}`, object: 'file', bytes: form.file.content.length, created_at: this.now(), filename: form.file.filename, purpose, status: 'processed' };
    this.files.set(object.id, { object, content: form.file.content, input });
    const extra = this.flavor.object === 'together' ? { Processed: true, FileType: 'jsonl', LineCount: input.length } : {};
    this.send(response, 200, { ...object, ...extra });
  }

  private readFile(id: string, action: string | undefined, response: ServerResponse): void {
    const file = this.files.get(id);
    if (!file) return this.send(response, 404, errorBody({ message: `No such File object: ${id}`, type: 'invalid_request_error', param: 'id' }));
    if (action === undefined) return this.send(response, 200, file.object);
    if (action !== 'content') return this.send(response, 404, errorBody({ message: 'Invalid URL', type: 'invalid_request_error' }));
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.content.length });
    response.end(file.content);
  }

  private create(raw: Buffer, response: ServerResponse): void {
    if (this.refuseCreates) return this.send(response, this.refuseCreates.status, this.refuseCreates.body);
    const body = parseObject(raw);
    const refuse = (message: string, param: string | null, code: string | null = null) => this.send(response, 400, errorBody({ message, type: 'invalid_request_error', param, code }));
    if (!body) return refuse('We could not parse the JSON body of your request.', null);
    const inputFileId = body['input_file_id'];
    const file = typeof inputFileId === 'string' ? this.files.get(inputFileId) : undefined;
    if (typeof inputFileId !== 'string' || !file?.input)
      return this.send(response, 404, errorBody({ message: `No such File object: ${String(inputFileId)}`, type: 'invalid_request_error', param: 'input_file_id' }));
    if (file.object.purpose !== this.flavor.purpose) return refuse(`The input file must be uploaded with purpose '${this.flavor.purpose}'.`, 'input_file_id');
    const endpoint = body['endpoint'];
    const operation = (Object.keys(this.flavor.endpoints) as OpenAIBatchServerOperation[]).find((name) => this.flavor.endpoints[name] === endpoint);
    if (typeof endpoint !== 'string' || !operation) return refuse(`Invalid value for 'endpoint': ${String(endpoint)}.`, 'endpoint', 'invalid_value');
    const window = body['completion_window'] ?? (this.flavor.object === 'together' ? '24h' : undefined);
    if (typeof window !== 'string' || !this.flavor.completionWindows.includes(window)) return refuse(`Invalid value for 'completion_window': ${String(window)}.`, 'completion_window', 'invalid_value');
    const seen = new Set<string>();
    for (const { json, line } of file.input) {
      const customId = json?.['custom_id'];
      if (typeof customId !== 'string') continue;
      if (seen.has(customId)) return refuse(`The custom_id '${customId}' on line ${line} is not unique in the input file.`, 'input_file_id', 'duplicate_custom_id');
      seen.add(customId);
    }
    const id = this.flavor.object === 'together' ? randomUUID() : `batch_${shortId()}`;
    const { lines, model, errors } = readBatchInput(file.input, { batchId: id, operation, endpoint, linesCarryUrl: this.flavor.linesCarryUrl });
    if (this.failValidation) errors.push({ ...this.failValidation, param: null, line: null });
    const metadata = this.flavor.keepsMetadata && isStringRecord(body['metadata']) ? body['metadata'] : null;
    const batch = newBatchObject({ id, endpoint, inputFileId, completionWindow: window, now: this.now(), metadata });
    this.batches.set(id, { batch, lines, model, polls: 0, validationErrors: errors, sequence: this.batches.size });
    this.creates += 1;
    this.createRequests.push(body);
    for (const line of lines) this.linesReceived.set(line.customId, (this.linesReceived.get(line.customId) ?? 0) + 1);
    if (this.dropCreateAnswers > 0) {
      this.dropCreateAnswers -= 1;
      response.socket?.destroy();
      return;
    }
    const rendered = renderBatch(batch, this.flavor, model);
    if (this.flavor.object === 'together') return this.send(response, 201, { job: rendered });
    this.send(response, 200, rendered);
  }

  private retrieve(id: string, response: ServerResponse): void {
    if (this.failRetrieves > 0) {
      this.failRetrieves -= 1;
      return this.send(response, 500, errorBody({ message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error' }));
    }
    const stored = this.batches.get(id);
    if (!stored) return this.send(response, 404, errorBody({ message: `No batch found with id '${id}'.`, type: 'invalid_request_error', param: 'batch_id' }));
    this.retrieves += 1;
    this.advance(stored);
    this.send(response, 200, renderBatch(stored.batch, this.flavor, stored.model));
  }

  /** One retrieve's worth of progress: validate and start, count a poll, complete, or finish a cancel. */
  private advance(stored: StoredBatch): void {
    const { batch } = stored;
    const now = this.now();
    if (batch.status === 'cancelling') return this.finish(stored, 'cancelled');
    if (batch.status === 'validating') {
      if (stored.validationErrors.length > 0) {
        batch.status = 'failed';
        batch.failed_at = now;
        batch.errors = { object: 'list', data: stored.validationErrors };
        return;
      }
      batch.status = 'in_progress';
      batch.in_progress_at = now;
      batch.request_counts.total = stored.lines.length;
    }
    if (batch.status !== 'in_progress') return;
    stored.polls += 1;
    const held = this.hold && !this.released.has(batch.id);
    if (!held && stored.polls > this.completeAfterPolls) return this.finish(stored, 'completed');
    batch.request_counts.completed = Math.min(this.progressLines, stored.lines.length);
  }

  /** Writes the batch's files in one pass, lines in reverse order, and settles it. */
  private finish(stored: StoredBatch, outcome: 'completed' | 'expired' | 'cancelled'): void {
    const { batch, lines } = stored;
    const now = this.now();
    const done = outcome === 'completed' ? lines.length : Math.min(this.progressLines, lines.length);
    const output: string[] = [];
    const errors: string[] = [];
    let succeeded = 0;
    for (let index = lines.length - 1; index >= 0; index -= 1) {
      const line = lines[index] as OpenAIBatchServerLine;
      if (index >= done) {
        errors.push(renderNotRunLine(this.flavor, line.customId, outcome === 'expired' ? 'batch_expired' : 'batch_cancelled'));
        continue;
      }
      const answer = this.answer(line);
      const ok = answer.status_code >= 200 && answer.status_code < 300;
      if (ok) succeeded += 1;
      (ok ? output : errors).push(renderResultLine(this.flavor, line.customId, answer));
    }
    if (this.malformedResults) {
      output.splice(1, 0, '{"custom_id": "this line is cut', renderResultLine(this.flavor, 'no-such-request', { status_code: 200, body: { note: 'an answer for a request nobody sent' } }));
    }
    batch.output_file_id = output.length > 0 ? this.storeResultFile(batch.id, 'output', output) : null;
    batch.error_file_id = errors.length > 0 ? this.storeResultFile(batch.id, 'error', errors) : null;
    batch.request_counts = { total: lines.length, completed: succeeded, failed: lines.length - succeeded };
    batch.status = outcome;
    if (outcome === 'completed') batch.finalizing_at = batch.completed_at = now;
    if (outcome === 'expired') batch.expired_at = now;
    if (outcome === 'cancelled') batch.cancelled_at = now;
  }

  private storeResultFile(batchId: string, kind: 'output' | 'error', lines: string[]): string {
    const content = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const object = { id: `file-${shortId()}`, object: 'file', bytes: content.length, created_at: this.now(), filename: `${batchId}_${kind}.jsonl`, purpose: 'batch_output', status: 'processed' };
    this.files.set(object.id, { object, content });
    return object.id;
  }

  private cancel(id: string, response: ServerResponse): void {
    const stored = this.batches.get(id);
    if (!stored) return this.send(response, 404, errorBody({ message: `No batch found with id '${id}'.`, type: 'invalid_request_error', param: 'batch_id' }));
    const { batch } = stored;
    if (batch.status === 'completed' || batch.status === 'failed' || batch.status === 'expired') {
      return this.send(response, 400, errorBody({ message: `Cannot cancel a batch with status '${batch.status}'.`, type: 'invalid_request_error' }));
    }
    this.cancels += 1;
    if (batch.status === 'validating' || batch.status === 'in_progress') {
      batch.cancelling_at = this.now();
      batch.status = 'cancelling';
      if (this.flavor.cancelsAtOnce) this.finish(stored, 'cancelled');
    }
    this.send(response, 200, renderBatch(batch, this.flavor, stored.model));
  }

  private list(query: URLSearchParams, response: ServerResponse): void {
    this.lists += 1;
    const all = [...this.batches.values()].sort((a, b) => b.batch.created_at - a.batch.created_at || b.sequence - a.sequence);
    const pages = all.map((stored) => ({ id: stored.batch.id, rendered: renderBatch(stored.batch, this.flavor, stored.model) }));
    this.send(response, 200, listAnswer(pages, this.flavor, query, this.listPageSize));
  }

  private send(response: ServerResponse, status: number, body: unknown): void {
    const payload = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${shortId()}` });
    response.end(payload);
  }
}

function parseObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}
