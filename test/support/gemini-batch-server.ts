import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request of a batch as it came in: its `key` (a file line's, or an inline request's `metadata.key`) and its `GenerateContentRequest`. */
export interface GeminiBatchRequestInput {
  key: string;
  request: unknown;
}

/** How one request settled: a `GenerateContentResponse`, or the `google.rpc.Status` of its failure (gRPC `code`). */
export type GeminiBatchAnswer = { response: unknown } | { error: { code: number; message: string; status?: string } };

const terminalStates = ['BATCH_STATE_SUCCEEDED', 'BATCH_STATE_FAILED', 'BATCH_STATE_CANCELLED', 'BATCH_STATE_EXPIRED'] as const;
type BatchState = 'BATCH_STATE_PENDING' | 'BATCH_STATE_RUNNING' | (typeof terminalStates)[number];

/**
 * What the server keeps of a batch: `name` is `batches/{id}`, `model` `models/{model}` (from the create's
 * path), `inputFileName` the input file (undefined for inline requests), `polls` the retrieves answered so
 * far, `answers` those of the requests done so far (from the first, in input order), `responsesFile` the
 * responses once written (a file-input batch that succeeded or was cancelled).
 */
export interface StoredGeminiBatch {
  readonly name: string;
  readonly model: string;
  readonly displayName: string;
  readonly inputFileName: string | undefined;
  readonly requests: readonly GeminiBatchRequestInput[];
  readonly createTime: string;
  state: BatchState;
  polls: number;
  answers: GeminiBatchAnswer[];
  updateTime: string;
  endTime?: string;
  responsesFile?: string;
}

export interface GeminiBatchServerOptions {
  /** The key every call must carry (`x-goog-api-key`, or `?key=`). @defaultValue 'gemini-batch-key' */
  apiKey?: string;
  /** How one request is answered. @defaultValue {@link echoBatchAnswer} */
  answer?: (request: unknown, key: string) => GeminiBatchAnswer;
  /** Retrieves that see the batch still pending or running before it succeeds. @defaultValue 0 (succeeded on the first retrieve) */
  completeAfterPolls?: number;
  /** Batches stay running (retrieves still count) until {@link GeminiBatchServer.release}. @defaultValue false */
  hold?: boolean;
  /** Requests of a batch done as soon as it exists (kept when it is cancelled). @defaultValue 0 */
  progressRequests?: number;
  /** Every create is refused with this Google error (nothing is created) while it is set. */
  refuseCreates?: { status: number; code: string; message: string } | undefined;
  /** The next creates happen, then their socket is destroyed with no answer. @defaultValue 0 */
  dropCreateAnswers?: number;
  /** The next retrieves are answered 503 `UNAVAILABLE` (and do not count as polls). @defaultValue 0 */
  failRetrieves?: number;
  /** Responses files also carry a line that is not JSON and a line with neither response nor error. @defaultValue false */
  malformedResults?: boolean;
}

const apiPrefix = '/v1beta';
const unregisteredCaller = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
const invalidKeyInfo = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' };
const batchType = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch';
const outputType = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput';

/**
 * A local HTTP server speaking the Gemini API's Batch API, for tests and benchmarks, as the real API
 * serves it: `POST /upload/v1beta/files` (`uploadType=multipart`: a `multipart/related` body of `{file}`,
 * then the content; the resumable protocol is not served), `GET /download/v1beta/files/{id}:download?alt=media`,
 * `POST /v1beta/models/{model}:batchGenerateContent` (`inputConfig.fileName`, a JSONL file of `{key,
 * request}` lines, or `inputConfig.requests.requests` of `{request, metadata: {key}}`; camelCase or
 * snake_case), `GET /v1beta/batches` (newest first, `pageSize` 1–1000, default 10, `pageToken`), `GET
 * /v1beta/batches/{id}` and `POST /v1beta/batches/{id}:cancel`. A batch is a long-running operation whose
 * `metadata` is the `GenerateContentBatch` (state `BATCH_STATE_*`, stats as int64 strings); once `done`, a
 * succeeded one has its output in `response` and `metadata.output`: a responses file of `{key, response}`
 * / `{key, error}` lines in reverse input order (Gemini promises none), or inline responses in input
 * order. A cancelled batch keeps what it had done (in `metadata.output`) and carries `error` code 1, as a
 * cancelled operation does; an expired one has no results, as the guide says. Cancelling a settled batch
 * is refused (400 `FAILED_PRECONDITION`: the real answer is not documented). Errors are Google's: 403
 * `PERMISSION_DENIED` without a key, 400 `API_KEY_INVALID` for a wrong one. The knobs are public fields,
 * settable at `start` or after. Built for 100,000-request batches: one parse of the upload, answers made once.
 * @see https://ai.google.dev/gemini-api/docs/batch-api
 * @see https://ai.google.dev/api/batch-api
 */
export class GeminiBatchServer {
  /** The knobs, as {@link GeminiBatchServerOptions} describes them. */
  apiKey = 'gemini-batch-key';
  answer: (request: unknown, key: string) => GeminiBatchAnswer = echoBatchAnswer;
  completeAfterPolls = 0;
  hold = false;
  progressRequests = 0;
  refuseCreates: GeminiBatchServerOptions['refuseCreates'];
  dropCreateAnswers = 0;
  failRetrieves = 0;
  malformedResults = false;

  /** Batches created (one whose answer was dropped too; a refused create makes none). */
  creates = 0;
  /** Files uploaded. */
  uploads = 0;
  /** How many times each key has come in a created batch, across batches. */
  readonly requestsReceived = new Map<string, number>();
  /** Every batch, by name, in creation order. */
  readonly batches = new Map<string, StoredGeminiBatch>();
  /** Every file (uploaded inputs and written responses), by name. */
  readonly files = new Map<string, { displayName: string; mimeType: string; content: Buffer }>();
  /** What a provider config's `baseUrl` takes (`http://127.0.0.1:<port>/v1beta`). */
  baseUrl = '';

  private server: Server | undefined;
  private origin = '';

  private constructor() {}

  static async start(options: GeminiBatchServerOptions = {}): Promise<GeminiBatchServer> {
    const instance = Object.assign(new GeminiBatchServer(), options);
    const server = createServer((request, response) => void instance.handle(request, response));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance.server = server;
    instance.origin = `http://127.0.0.1:${port}`;
    instance.baseUrl = `${instance.origin}${apiPrefix}`;
    return instance;
  }

  /** Lets held batches succeed (on their next retrieve). */
  release(): void {
    this.hold = false;
  }

  /** Expires a batch (every unsettled one without `name`), as its 48 hours would: no results at all. */
  expire(name?: string): void {
    for (const batch of name === undefined ? this.batches.values() : [this.batch(name)]) {
      if (!isTerminal(batch.state)) this.settle(batch, 'BATCH_STATE_EXPIRED');
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private batch(name: string): StoredGeminiBatch {
    const batch = this.batches.get(name);
    if (!batch) throw new Error(`no batch ${name}`);
    return batch;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const key = request.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined;
    if (key === undefined) return sendError(response, 403, 'PERMISSION_DENIED', unregisteredCaller);
    if (key !== this.apiKey) return sendError(response, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [invalidKeyInfo]);
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (path === `/upload${apiPrefix}/files` && method === 'POST') return this.upload(request, url, body, response);
    if ((match = /^\/download\/v1beta\/(files\/[^/:]+):download$/.exec(path)) && method === 'GET') return this.download(match[1] as string, url, response);
    if ((match = /^\/v1beta\/((?:models|tunedModels)\/[^/:]+):batchGenerateContent$/.exec(path)) && method === 'POST') return this.create(decodeURIComponent(match[1] as string), body, response);
    if (path === `${apiPrefix}/batches` && method === 'GET') return this.list(url.searchParams, response);
    if ((match = /^\/v1beta\/(batches\/[^/:]+)(:cancel)?$/.exec(path))) {
      const batch = this.batches.get(match[1] as string);
      if (!batch) return sendError(response, 404, 'NOT_FOUND', `Batch ${match[1]} not found.`);
      if (match[2] && method === 'POST') return this.cancel(batch, response);
      if (!match[2] && method === 'GET') return this.retrieve(batch, response);
    }
    sendError(response, 404, 'NOT_FOUND', `Requested entity was not found: ${method} ${path}`);
  }

  /** `uploadType=multipart`: a `multipart/related` body of the `{file: {...}}` metadata, then the content. */
  private upload(request: IncomingMessage, url: URL, body: Buffer, response: ServerResponse): void {
    const protocol = request.headers['x-goog-upload-protocol'] ?? url.searchParams.get('uploadType');
    const boundary = /^multipart\/related;\s*boundary="?([^";]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1];
    const parts = protocol === 'multipart' && boundary !== undefined ? multipartParts(body, boundary) : undefined;
    if (parts?.length !== 2) return sendError(response, 400, 'INVALID_ARGUMENT', 'This server takes uploadType=multipart uploads: a multipart/related body of the metadata, then the media.');
    const [meta, media] = parts as [Part, Part];
    const file = record(record(parseJson(meta.content.toString('utf8')))?.['file']);
    const displayName = file?.['displayName'] ?? file?.['display_name'];
    const mimeType = /content-type:\s*([^\r\n;]+)/.exec(media.headers)?.[1]?.trim() ?? 'application/octet-stream';
    this.uploads += 1;
    send(response, 200, { file: this.storeFile(typeof displayName === 'string' ? displayName : '', mimeType, media.content) });
  }

  private storeFile(displayName: string, mimeType: string, content: Buffer): Record<string, unknown> {
    const name = `files/${randomId().toLowerCase()}`;
    const file = { displayName, mimeType, content };
    this.files.set(name, file);
    return fileResource(name, file);
  }

  private download(name: string, url: URL, response: ServerResponse): void {
    const file = this.files.get(name);
    if (!file) return sendError(response, 404, 'NOT_FOUND', `File ${name} not found.`);
    if (url.searchParams.get('alt') !== 'media') return sendError(response, 400, 'INVALID_ARGUMENT', 'Downloads need alt=media.');
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.content.length) });
    response.end(file.content);
  }

  private create(model: string, body: Buffer, response: ServerResponse): void {
    if (this.refuseCreates) return sendError(response, this.refuseCreates.status, this.refuseCreates.code, this.refuseCreates.message);
    const input = this.createInput(parseJson(body.toString('utf8')));
    if ('error' in input) return sendError(response, input.error.status, input.error.code, input.error.message);
    const now = new Date().toISOString();
    const name = `batches/${randomId().toLowerCase()}`;
    const batch: StoredGeminiBatch = { name, model, ...input, createTime: now, updateTime: now, state: 'BATCH_STATE_PENDING', polls: 0, answers: [] };
    this.batches.set(name, batch);
    this.creates += 1;
    for (const line of input.requests) this.requestsReceived.set(line.key, (this.requestsReceived.get(line.key) ?? 0) + 1);
    this.progress(batch);
    if (this.dropCreateAnswers > 0) {
      this.dropCreateAnswers -= 1;
      return void response.destroy();
    }
    send(response, 200, this.toOperation(batch));
  }

  /** The create's display name and requests (from its file or inline), or Google's refusal of it. */
  private createInput(body: unknown): Pick<StoredGeminiBatch, 'displayName' | 'inputFileName' | 'requests'> | { error: { status: number; code: string; message: string } } {
    const invalid = (message: string) => ({ error: { status: 400, code: 'INVALID_ARGUMENT', message } });
    const batch = record(record(body)?.['batch']);
    if (!batch) return invalid('* BatchGenerateContentRequest.batch: batch is required');
    const displayName = batch['displayName'] ?? batch['display_name'];
    if (typeof displayName !== 'string' || displayName.length === 0) return invalid('* GenerateContentBatch.display_name: display_name is required');
    const inputConfig = record(batch['inputConfig'] ?? batch['input_config']);
    const fileName = inputConfig?.['fileName'] ?? inputConfig?.['file_name'];
    const inline = record(inputConfig?.['requests'])?.['requests'];
    if (typeof fileName === 'string') {
      const file = this.files.get(fileName);
      if (!file) return { error: { status: 404, code: 'NOT_FOUND', message: `File ${fileName} not found.` } };
      const requests: GeminiBatchRequestInput[] = [];
      for (const [index, text] of file.content.toString('utf8').split('\n').entries()) {
        if (text.trim() === '') continue;
        const line = record(parseJson(text));
        if (!line || typeof line['key'] !== 'string') return invalid(`Invalid input file ${fileName}: line ${index + 1} is not a JSON object with a key.`);
        requests.push({ key: line['key'], request: line['request'] });
      }
      return requests.length > 0 ? { displayName, inputFileName: fileName, requests } : invalid(`Input file ${fileName} has no requests.`);
    }
    if (!Array.isArray(inline) || inline.length === 0) return invalid('* GenerateContentBatch.input_config: file_name or requests is required');
    const requests = inline.map((item, index) => ({ key: String(record(record(item)?.['metadata'])?.['key'] ?? index), request: record(item)?.['request'] }));
    return { displayName, inputFileName: undefined, requests };
  }

  private retrieve(batch: StoredGeminiBatch, response: ServerResponse): void {
    if (this.failRetrieves > 0) {
      this.failRetrieves -= 1;
      return sendError(response, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
    }
    if (!isTerminal(batch.state)) {
      batch.polls += 1;
      if (!this.hold && batch.polls > this.completeAfterPolls) this.settle(batch, 'BATCH_STATE_SUCCEEDED');
      else {
        batch.state = 'BATCH_STATE_RUNNING';
        this.progress(batch);
      }
    }
    send(response, 200, this.toOperation(batch));
  }

  /** Newest first; `nextPageToken` is the offset of the next page. */
  private list(query: URLSearchParams, response: ServerResponse): void {
    const pageSize = Number(query.get('pageSize') ?? '10');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) return sendError(response, 400, 'INVALID_ARGUMENT', 'page_size must be between 1 and 1000.');
    const start = Number(query.get('pageToken') ?? '0');
    const newestFirst = [...this.batches.values()].reverse();
    const page = newestFirst.slice(start, start + pageSize);
    const next = start + pageSize < newestFirst.length ? { nextPageToken: String(start + pageSize) } : {};
    send(response, 200, { operations: page.map((batch) => this.toOperation(batch)), ...next });
  }

  private cancel(batch: StoredGeminiBatch, response: ServerResponse): void {
    if (isTerminal(batch.state)) return sendError(response, 400, 'FAILED_PRECONDITION', `Batch ${batch.name} is already in a terminal state and cannot be cancelled.`);
    this.settle(batch, 'BATCH_STATE_CANCELLED');
    send(response, 200, {});
  }

  /** The first `progressRequests` requests answered, while the batch runs. */
  private progress(batch: StoredGeminiBatch): void {
    const target = Math.min(this.progressRequests, batch.requests.length);
    for (let index = batch.answers.length; index < target; index += 1) batch.answers.push(this.answerOf(batch.requests[index] as GeminiBatchRequestInput));
  }

  private answerOf(input: GeminiBatchRequestInput): GeminiBatchAnswer {
    const contents = record(input.request)?.['contents'];
    if (!Array.isArray(contents)) return { error: { code: 3, message: '* GenerateContentRequest.contents: contents is not specified', status: 'INVALID_ARGUMENT' } };
    return this.answer(input.request, input.key);
  }

  /** Succeeded (every request answered), cancelled (what was done kept) or expired (nothing kept). */
  private settle(batch: StoredGeminiBatch, state: (typeof terminalStates)[number]): void {
    if (state === 'BATCH_STATE_SUCCEEDED') {
      for (let index = batch.answers.length; index < batch.requests.length; index += 1) batch.answers.push(this.answerOf(batch.requests[index] as GeminiBatchRequestInput));
    }
    if (state === 'BATCH_STATE_EXPIRED') batch.answers = [];
    batch.state = state;
    batch.endTime = batch.updateTime = new Date().toISOString();
    if (batch.inputFileName !== undefined && batch.answers.length > 0) {
      const { answers, requests } = batch;
      const lines = answers.map((answer, index) => JSON.stringify({ key: requests[index]?.key, ...answer })).reverse();
      if (this.malformedResults) lines.unshift('{"key":"cut-short","response":{"candid', JSON.stringify({ key: 'no-outcome' }));
      const file = this.storeFile(`${batch.displayName}-responses`, 'application/jsonl', Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
      batch.responsesFile = file['name'] as string;
    }
  }

  /** The batch as a long-running operation. @see https://ai.google.dev/api/batch-api#method:-batches.get */
  private toOperation(batch: StoredGeminiBatch): Record<string, unknown> {
    const failed = batch.answers.filter((answer) => 'error' in answer).length;
    const output = batch.responsesFile
      ? { responsesFile: batch.responsesFile }
      : batch.inputFileName === undefined && batch.answers.length > 0 && isTerminal(batch.state)
        ? { inlinedResponses: { inlinedResponses: batch.answers.map((answer, index) => ({ metadata: { key: batch.requests[index]?.key }, ...answer })) } }
        : undefined;
    const metadata = {
      '@type': batchType,
      model: batch.model,
      displayName: batch.displayName,
      ...(batch.inputFileName === undefined ? {} : { inputConfig: { fileName: batch.inputFileName } }),
      ...(output ? { output } : {}),
      createTime: batch.createTime,
      updateTime: batch.updateTime,
      ...(batch.endTime ? { endTime: batch.endTime } : {}),
      batchStats: {
        requestCount: String(batch.requests.length),
        successfulRequestCount: String(batch.answers.length - failed),
        failedRequestCount: String(failed),
        pendingRequestCount: String(batch.state === 'BATCH_STATE_CANCELLED' || batch.state === 'BATCH_STATE_EXPIRED' ? 0 : batch.requests.length - batch.answers.length),
      },
      state: batch.state,
      name: batch.name,
    };
    const done = isTerminal(batch.state) ? { done: true } : {};
    const result =
      batch.state === 'BATCH_STATE_SUCCEEDED' && output
        ? { response: { '@type': outputType, ...output } }
        : batch.state === 'BATCH_STATE_CANCELLED'
          ? { error: { code: 1, message: 'The operation was cancelled.' } }
          : {};
    return { name: batch.name, metadata, ...done, ...result };
  }
}

/** A request's answer by default: a `GenerateContentResponse` echoing the request's last user text, 10 + 5 tokens. */
export function echoBatchAnswer(request: unknown): GeminiBatchAnswer {
  const contents = record(request)?.['contents'];
  const lastUser = (Array.isArray(contents) ? contents : []).map(record).findLast((content) => content?.['role'] === 'user');
  const parts = Array.isArray(lastUser?.['parts']) ? (lastUser['parts'] as unknown[]) : [];
  const text = parts
    .map((part) => record(part)?.['text'])
    .filter((value) => typeof value === 'string')
    .join('');
  return {
    response: {
      candidates: [{ content: { parts: [{ text: `echo: ${text}` }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    },
  };
}

type Part = { headers: string; content: Buffer };

/** The parts of a `multipart/related` body, or undefined when it is not one. */
function multipartParts(body: Buffer, boundary: string): Part[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let index = body.indexOf(delimiter);
  while (index >= 0) {
    const start = index + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') return parts;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return undefined;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    parts.push({ headers: part.subarray(0, split).toString('utf8').toLowerCase(), content: part.subarray(split + 4) });
    index = next;
  }
  return undefined;
}

/** The `File` resource. @see https://ai.google.dev/api/files#File */
function fileResource(name: string, file: { displayName: string; mimeType: string; content: Buffer }): Record<string, unknown> {
  const now = new Date();
  const times = { createTime: now.toISOString(), updateTime: now.toISOString(), expirationTime: new Date(now.getTime() + 48 * 3600_000).toISOString() };
  return {
    name,
    displayName: file.displayName,
    mimeType: file.mimeType,
    sizeBytes: String(file.content.length),
    ...times,
    uri: `https://generativelanguage.googleapis.com/v1beta/${name}`,
    state: 'ACTIVE',
  };
}

function isTerminal(state: BatchState): state is (typeof terminalStates)[number] {
  return (terminalStates as readonly string[]).includes(state);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(JSON.stringify(body));
}

/** Google's error body (`google.rpc.Status` over HTTP). @see https://ai.google.dev/gemini-api/docs/troubleshooting */
function sendError(response: ServerResponse, status: number, code: string, message: string, details?: unknown[]): void {
  send(response, status, { error: { code: status, message, status: code, ...(details ? { details } : {}) } });
}

function randomId(): string {
  return randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
}
