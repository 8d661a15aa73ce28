import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** One request of a created batch, as it came in. */
export interface AnthropicBatchRequestInput {
  custom_id: string;
  params: Record<string, unknown>;
}

/** A request's `result`, as a results line carries it. */
export type AnthropicBatchResult = { type: 'succeeded'; message: unknown } | { type: 'errored'; error: unknown } | { type: 'canceled' } | { type: 'expired' };

/** What the server keeps of a batch. */
export interface StoredAnthropicBatch {
  readonly id: string;
  readonly requests: readonly AnthropicBatchRequestInput[];
  readonly createdAt: number;
  status: 'in_progress' | 'canceling' | 'ended';
  /** Retrieves answered so far. */
  polls: number;
  /** Requests (from the first, in input order) that have a result; the rest are processing. */
  done: number;
  results: AnthropicBatchResult[];
  endedAt?: number;
  cancelInitiatedAt?: number;
}

export interface AnthropicBatchServerOptions {
  /** How one request is answered. @defaultValue {@link echoResult} (succeeded, echoing the last user text) */
  answer?: (request: AnthropicBatchRequestInput) => AnthropicBatchResult;
  /** Retrieves answered `in_progress` before the batch ends. @defaultValue 0 (ended on the first retrieve after create) */
  completeAfterPolls?: number;
  /** Batches stay `in_progress` until {@link AnthropicBatchServer.release}. @defaultValue false */
  hold?: boolean;
  /** Requests that count as done while a batch is in progress (kept on cancel and expiry). @defaultValue 0 */
  progressRequests?: number;
  /** Every create is answered this (nothing is created) while it is set. */
  refuseCreates?: { status: number; body: unknown; headers?: Record<string, string> } | undefined;
  /** The next creates happen, then their socket is destroyed with no answer. @defaultValue 0 */
  dropCreateAnswers?: number;
  /** The next retrieves are answered 500 `api_error` (and do not count as polls). @defaultValue 0 */
  failRetrieves?: number;
  /** Results also carry a line that is not JSON and a line for an unknown custom_id. @defaultValue false */
  malformedResults?: boolean;
  /** The server's clock (`created_at`, `ended_at`, …), in milliseconds. @defaultValue Date.now */
  now?: () => number;
}

const customIdPattern = /^[a-zA-Z0-9_-]{1,64}$/;
const maxRequests = 100_000;
const maxBodyBytes = 256 * 1024 * 1024;
const dayMs = 24 * 60 * 60 * 1000;
const basePath = '/v1/messages/batches';

/**
 * A local HTTP server speaking Anthropic's Message Batches API, for tests and benchmarks: create,
 * retrieve, list (newest first, `after_id`/`before_id`/`limit`), cancel, results (JSONL, served at
 * the `results_url` it gives, in reverse input order, as Anthropic promises no order) and delete, with
 * Anthropic's objects and error bodies. Every call needs `x-api-key` and `anthropic-version`; a create
 * is refused whole (400) for a `custom_id` off the pattern or repeated, and `params` are not checked
 * (Anthropic reports a bad request as that request's `errored` result). The knobs are public fields,
 * settable at `start` or at any time after. Built for 100,000-request batches: one parse of the body,
 * results built in one pass when the batch ends, the results response streamed.
 * @see https://docs.anthropic.com/en/api/creating-message-batches
 */
export class AnthropicBatchServer {
  answer: (request: AnthropicBatchRequestInput) => AnthropicBatchResult;
  completeAfterPolls: number;
  hold: boolean;
  progressRequests: number;
  refuseCreates: AnthropicBatchServerOptions['refuseCreates'];
  dropCreateAnswers: number;
  failRetrieves: number;
  malformedResults: boolean;
  now: () => number;

  /** Batches created (one whose answer was dropped too; a refused create makes none). */
  creates = 0;
  /** Cancels that moved a batch to `canceling`. */
  cancels = 0;
  /** How many times each custom_id has come in a created batch, across batches. */
  readonly requestsReceived = new Map<string, number>();
  /** Every batch not deleted, by id, in creation order. */
  readonly batches = new Map<string, StoredAnthropicBatch>();
  /** What a provider config's `baseUrl` takes (`http://127.0.0.1:<port>/v1`). */
  baseUrl = '';

  private server: Server | undefined;
  private origin = '';

  private constructor(options: AnthropicBatchServerOptions) {
    this.answer = options.answer ?? echoResult;
    this.completeAfterPolls = options.completeAfterPolls ?? 0;
    this.hold = options.hold ?? false;
    this.progressRequests = options.progressRequests ?? 0;
    this.refuseCreates = options.refuseCreates;
    this.dropCreateAnswers = options.dropCreateAnswers ?? 0;
    this.failRetrieves = options.failRetrieves ?? 0;
    this.malformedResults = options.malformedResults ?? false;
    this.now = options.now ?? Date.now;
  }

  static async start(options: AnthropicBatchServerOptions = {}): Promise<AnthropicBatchServer> {
    const instance = new AnthropicBatchServer(options);
    const server = createServer((request, response) => instance.handle(request, response));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance.server = server;
    instance.origin = `http://127.0.0.1:${port}`;
    instance.baseUrl = `${instance.origin}/v1`;
    return instance;
  }

  /** Lets held batches end (on their next retrieve). */
  release(): void {
    this.hold = false;
  }

  /** Ends a batch (every unended one without `id`) as its 24 hours would: done requests kept, the others `expired`. */
  expire(id?: string): void {
    for (const batch of id === undefined ? this.batches.values() : [this.batch(id)]) {
      if (batch.status !== 'ended') this.end(batch, 'expired');
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private batch(id: string): StoredAnthropicBatch {
    const batch = this.batches.get(id);
    if (!batch) throw new Error(`no batch ${id}`);
    return batch;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.origin);
    const method = request.method ?? 'GET';
    if (!request.headers['x-api-key']) return void drain(request, () => sendError(response, 401, 'authentication_error', 'x-api-key header is required'));
    if (!request.headers['anthropic-version']) return void drain(request, () => sendError(response, 400, 'invalid_request_error', 'anthropic-version: header is required'));
    if (url.pathname === basePath && method === 'POST') return this.create(request, response);
    const segments = url.pathname.startsWith(`${basePath}/`) ? url.pathname.slice(basePath.length + 1).split('/') : [];
    const [id, action] = segments;
    drain(request, () => {
      if (url.pathname === basePath && method === 'GET') return this.list(url.searchParams, response);
      const batch = id ? this.batches.get(id) : undefined;
      if (!id || segments.length > 2 || (action !== undefined && action !== 'cancel' && action !== 'results')) return sendError(response, 404, 'not_found_error', 'Not Found');
      if (!batch) return sendError(response, 404, 'not_found_error', `Message Batch ${id} not found`);
      if (action === undefined && method === 'GET') return this.retrieve(batch, response);
      if (action === undefined && method === 'DELETE') return this.delete(batch, response);
      if (action === 'cancel' && method === 'POST') return this.cancel(batch, response);
      if (action === 'results' && method === 'GET') return this.results(batch, response);
      return sendError(response, 405, 'invalid_request_error', `Method ${method} not allowed`);
    });
  }

  private create(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (bytes > maxBodyBytes) return sendError(response, 413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${maxBodyBytes})`);
      if (this.refuseCreates) return send(response, this.refuseCreates.status, this.refuseCreates.body, this.refuseCreates.headers);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return sendError(response, 400, 'invalid_request_error', 'There was an error parsing the body of your request');
      }
      const requests = validateCreate(body);
      if (typeof requests === 'string') return sendError(response, 400, 'invalid_request_error', requests);
      const createdAt = this.now();
      const batch: StoredAnthropicBatch = { id: `msgbatch_${randomId()}`, requests, createdAt, status: 'in_progress', polls: 0, done: 0, results: [] };
      this.batches.set(batch.id, batch);
      this.creates += 1;
      for (const line of requests) this.requestsReceived.set(line.custom_id, (this.requestsReceived.get(line.custom_id) ?? 0) + 1);
      this.progress(batch);
      if (this.dropCreateAnswers > 0) {
        this.dropCreateAnswers -= 1;
        return void response.destroy();
      }
      send(response, 200, this.toObject(batch));
    });
  }

  private retrieve(batch: StoredAnthropicBatch, response: ServerResponse): void {
    if (this.failRetrieves > 0) {
      this.failRetrieves -= 1;
      return sendError(response, 500, 'api_error', 'Internal server error');
    }
    batch.polls += 1;
    if (batch.status === 'canceling') this.end(batch, 'canceled');
    else if (batch.status === 'in_progress' && !this.hold && batch.polls > this.completeAfterPolls) this.end(batch, 'completed');
    else this.progress(batch);
    send(response, 200, this.toObject(batch));
  }

  /**
   * Newest first. `after_id` pages towards older batches, `before_id` towards newer ones; `limit` 1–1000.
   * @see https://docs.anthropic.com/en/api/listing-message-batches
   */
  private list(query: URLSearchParams, response: ServerResponse): void {
    const limitText = query.get('limit') ?? '20';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1000)
      return sendError(response, 400, 'invalid_request_error', 'limit: Input should be greater than or equal to 1 and less than or equal to 1000');
    const newestFirst = [...this.batches.values()].reverse();
    const afterId = query.get('after_id');
    const beforeId = query.get('before_id');
    let data: StoredAnthropicBatch[];
    let hasMore: boolean;
    if (beforeId !== null) {
      const end = newestFirst.findIndex((batch) => batch.id === beforeId);
      const start = Math.max(0, end - limit);
      data = end < 0 ? [] : newestFirst.slice(start, end);
      hasMore = start > 0;
    } else {
      const start = afterId === null ? 0 : newestFirst.findIndex((batch) => batch.id === afterId) + 1;
      data = afterId !== null && start === 0 ? [] : newestFirst.slice(start, start + limit);
      hasMore = start + limit < newestFirst.length && data.length > 0;
    }
    send(response, 200, { data: data.map((batch) => this.toObject(batch)), has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }

  /** `canceling` at once; `ended` on the next retrieve, done requests kept, the others `canceled`. */
  private cancel(batch: StoredAnthropicBatch, response: ServerResponse): void {
    if (batch.status === 'ended') return sendError(response, 400, 'invalid_request_error', `Message Batch ${batch.id} has already ended and cannot be canceled`);
    if (batch.status === 'in_progress') {
      batch.status = 'canceling';
      batch.cancelInitiatedAt = this.now();
      this.cancels += 1;
    }
    send(response, 200, this.toObject(batch));
  }

  private delete(batch: StoredAnthropicBatch, response: ServerResponse): void {
    if (batch.status !== 'ended') return sendError(response, 400, 'invalid_request_error', `Message Batch ${batch.id} is still processing; cancel it before deleting it`);
    this.batches.delete(batch.id);
    send(response, 200, { id: batch.id, type: 'message_batch_deleted' });
  }

  /** The JSONL results, reversed from input order, streamed. @see https://docs.anthropic.com/en/api/retrieving-message-batch-results */
  private results(batch: StoredAnthropicBatch, response: ServerResponse): void {
    if (batch.status !== 'ended') return sendError(response, 400, 'invalid_request_error', `Message Batch ${batch.id} has not yet ended; results are not available`);
    const { requests, results } = batch;
    const malformed = this.malformedResults;
    function* chunks(): Generator<string> {
      let chunk = malformed ? '{"custom_id":"cut-short","result":{"type":"succ\n' : '';
      for (let index = requests.length - 1; index >= 0; index -= 1) {
        chunk += `${JSON.stringify({ custom_id: requests[index]?.custom_id, result: results[index] })}\n`;
        if (chunk.length >= 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (malformed) chunk += `${JSON.stringify({ custom_id: 'not-in-this-batch', result: { type: 'canceled' } })}\n`;
      yield chunk;
    }
    response.writeHead(200, { 'content-type': 'application/binary', 'request-id': requestId() });
    Readable.from(chunks()).pipe(response);
  }

  /** Results of the first `progressRequests` requests, while the batch runs. */
  private progress(batch: StoredAnthropicBatch): void {
    const target = Math.min(this.progressRequests, batch.requests.length);
    for (let index = batch.done; index < target; index += 1) batch.results.push(this.answer(batch.requests[index] as AnthropicBatchRequestInput));
    batch.done = Math.max(batch.done, target);
  }

  /** The batch's remaining requests settled in one pass: answered, or `canceled` / `expired`. */
  private end(batch: StoredAnthropicBatch, reason: 'completed' | 'canceled' | 'expired'): void {
    const pending: AnthropicBatchResult = reason === 'canceled' ? { type: 'canceled' } : { type: 'expired' };
    for (let index = batch.results.length; index < batch.requests.length; index += 1) {
      batch.results.push(reason === 'completed' ? this.answer(batch.requests[index] as AnthropicBatchRequestInput) : pending);
    }
    batch.done = batch.requests.length;
    batch.status = 'ended';
    batch.endedAt = this.now();
  }

  /** The Message Batch object. @see https://docs.anthropic.com/en/api/retrieving-message-batches */
  private toObject(batch: StoredAnthropicBatch): Record<string, unknown> {
    const counts = { processing: batch.requests.length - batch.results.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const result of batch.results) counts[result.type] += 1;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: counts,
      ended_at: timestamp(batch.endedAt),
      created_at: timestamp(batch.createdAt),
      expires_at: timestamp(batch.createdAt + dayMs),
      archived_at: null,
      cancel_initiated_at: timestamp(batch.cancelInitiatedAt),
      results_url: batch.status === 'ended' ? `${this.origin}${basePath}/${batch.id}/results` : null,
    };
  }
}

/** A request's result by default: a succeeded Message echoing the request's last user text. */
export function echoResult(request: AnthropicBatchRequestInput): AnthropicBatchResult {
  const messages = Array.isArray(request.params['messages']) ? (request.params['messages'] as Array<{ role?: unknown; content?: unknown }>) : [];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const content = lastUser?.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? (content as Array<{ type?: unknown; text?: unknown }>).map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('')
        : '';
  return {
    type: 'succeeded',
    message: {
      id: `msg_${request.custom_id}`,
      type: 'message',
      role: 'assistant',
      model: typeof request.params['model'] === 'string' ? request.params['model'] : 'claude-sonnet-4-5',
      content: [{ type: 'text', text: `echo: ${text}` }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    },
  };
}

/** An `errored` result carrying the Messages API's error body, as Anthropic writes it. */
export function erroredResult(type: string, message: string): AnthropicBatchResult {
  return { type: 'errored', error: { type: 'error', error: { type, message } } };
}

/**
 * The requests of a create body, or why Anthropic refuses it (the whole create, with a 400). Messages
 * in the style of Anthropic's validation errors (`requests.0.custom_id: …`).
 */
function validateCreate(body: unknown): AnthropicBatchRequestInput[] | string {
  if (typeof body !== 'object' || body === null || !('requests' in body) || !Array.isArray(body.requests)) return 'requests: Field required';
  const requests = body.requests as unknown[];
  if (requests.length === 0) return 'requests: List should have at least 1 item after validation, not 0';
  if (requests.length > maxRequests) return `requests: List should have at most ${maxRequests} items after validation, not ${requests.length}`;
  const seen = new Set<string>();
  for (const [index, request] of requests.entries()) {
    if (typeof request !== 'object' || request === null) return `requests.${index}: Input should be a valid dictionary`;
    const { custom_id: customId, params } = request as { custom_id?: unknown; params?: unknown };
    if (typeof customId !== 'string') return `requests.${index}.custom_id: Field required`;
    if (customId.length > 64) return `requests.${index}.custom_id: String should have at most 64 characters`;
    if (!customIdPattern.test(customId)) return `requests.${index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (seen.has(customId)) return `requests.${index}.custom_id: Duplicate custom_id "${customId}"; custom_id must be unique within a Message Batch`;
    seen.add(customId);
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return `requests.${index}.params: Field required`;
  }
  return requests as AnthropicBatchRequestInput[];
}

function drain(request: IncomingMessage, then: () => void): void {
  request.resume();
  request.on('end', then);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId(), ...headers });
  response.end(JSON.stringify(body));
}

/** Anthropic's error body. @see https://docs.anthropic.com/en/api/errors */
function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  send(response, status, { type: 'error', error: { type, message } });
}

function timestamp(milliseconds: number | undefined): string | null {
  return milliseconds === undefined ? null : new Date(milliseconds).toISOString();
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomId(): string {
  return [...randomBytes(24)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function requestId(): string {
  return `req_${randomId()}`;
}
