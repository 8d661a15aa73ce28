import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking Mistral's Files and Batch Jobs APIs, for tests and benchmarks: the objects
 * (`BatchJobOut`, `BatchJobsOut`, `UploadFileOut`), the input and result file lines and the statuses
 * are those the docs show (https://docs.mistral.ai/capabilities/batch, https://docs.mistral.ai/api/endpoint/batch,
 * https://docs.mistral.ai/api/endpoint/files); errors have the documented body
 * `{object: "error", message, type, param, code}` (https://docs.mistral.ai/resources/error-glossary).
 * Every call needs `Authorization: Bearer <apiKey>` (401 otherwise).
 *
 * A job moves only when it is retrieved (`GET /v1/batch/jobs/{id}`): each retrieve is a poll. The first
 * poll starts it (QUEUED → RUNNING); every poll answers `progressLines` more lines; the
 * `completeAfterPolls`-th poll answers the rest and ends it (SUCCESS) unless `hold` is set. Results are
 * written when a job ends, in reverse input order (results come in no particular order): 2xx answers to
 * the output file, the others to the error file, both as `{id, custom_id, response: {status_code, body},
 * error: null}`. A job that times out or is cancelled keeps the lines answered so far; the others get no
 * line. Fast enough for 100,000-line jobs.
 */
export interface MistralBatchServerOptions {
  /** The key the server accepts. @defaultValue 'test-mistral-key' */
  apiKey?: string;
  /** How each line is answered. @defaultValue {@link echoAnswer} */
  answer?: (line: MistralBatchServerLine) => MistralBatchLineAnswer;
}

export interface MistralBatchServerLine {
  custom_id: string;
  body: Record<string, unknown>;
  endpoint: string;
  model: string;
}

/** What the endpoint answered one line: its status and body (an error body for a non-2xx status). */
export interface MistralBatchLineAnswer {
  status_code: number;
  body: unknown;
}

export type MistralBatchStatus = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'TIMEOUT_EXCEEDED' | 'CANCELLATION_REQUESTED' | 'CANCELLED';

/** A job as the API shows it (`BatchJobOut`). */
export type MistralBatchJobObject = ReturnType<typeof newJob>;

interface ServerJob {
  job: MistralBatchJobObject;
  lines: MistralBatchServerLine[];
  answers: MistralBatchLineAnswer[];
  polls: number;
}

interface StoredFile {
  meta: Record<string, unknown>;
  content: string;
}

const settled: ReadonlySet<MistralBatchStatus> = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);
const createFields = new Set(['input_files', 'requests', 'endpoint', 'model', 'agent_id', 'metadata', 'timeout_hours']);
const endpoints = new Set([
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/fim/completions',
  '/v1/moderations',
  '/v1/chat/moderations',
  '/v1/ocr',
  '/v1/classifications',
  '/v1/chat/classifications',
  '/v1/conversations',
  '/v1/audio/transcriptions',
]);

export class MistralBatchServer {
  /** What the config's `baseUrl` takes (`http://127.0.0.1:<port>/v1`). */
  baseUrl = '';
  /** How each line is answered; settable between jobs. */
  answer: (line: MistralBatchServerLine) => MistralBatchLineAnswer;
  /** The poll (retrieve) on which a job ends with SUCCESS. @defaultValue 1 */
  completeAfterPolls = 1;
  /** Lines a running job answers on each poll before it ends. @defaultValue 0 (all at the end) */
  progressLines = 0;
  /** While set, jobs do not end (they still answer `progressLines` a poll); see {@link release}. */
  hold = false;
  /** Refuse creates with this status (and the documented error body): the next `times` of them, or all while set. @defaultValue none */
  refuseCreates: { status: number; times?: number; message?: string; retryAfterSeconds?: number } | undefined;
  /** The next this many creates make their job, then destroy the socket instead of answering. */
  dropCreateAnswers = 0;
  /** The next this many retrieves answer 500 (the job does not move). */
  failRetrieves = 0;
  /** Jobs that end write their first result line cut short (not JSON) and their second with a `response` that is not an object. */
  malformedResults = false;
  /** Jobs created (dropped answers included; refused creates not). */
  creates = 0;
  /** Files uploaded. */
  uploads = 0;
  /** How many times each custom_id was handed to a job (more than 1: a request batched twice). */
  readonly linesReceived = new Map<string, number>();
  /** Every job, by id. */
  readonly jobs = new Map<string, ServerJob>();
  readonly files = new Map<string, StoredFile>();
  private readonly apiKey: string;
  private server: Server | undefined;

  private constructor(options: MistralBatchServerOptions) {
    this.apiKey = options.apiKey ?? 'test-mistral-key';
    this.answer = options.answer ?? echoAnswer;
  }

  static async start(options: MistralBatchServerOptions = {}): Promise<MistralBatchServer> {
    const instance = new MistralBatchServer(options);
    const server = createServer((request, response) => {
      instance.handle(request, response).catch((error: unknown) => (response.headersSent ? response.destroy() : sendError(response, 500, String(error), 'server_error')));
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instance.server = server;
    instance.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    return instance;
  }

  /** Lets held jobs end on their next poll. */
  release(): void {
    this.hold = false;
  }

  /** Ends the job (or every unsettled job) with TIMEOUT_EXCEEDED, keeping the lines answered so far. */
  expire(id?: string): void {
    for (const entry of this.jobs.values()) if ((id === undefined || entry.job.id === id) && !settled.has(entry.job.status)) this.settle(entry, 'TIMEOUT_EXCEEDED');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return sendError(response, 401, 'Unauthorized', 'authentication_error');
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method ?? ''} ${url.pathname}`;
    let match: RegExpExecArray | null;
    if (route === 'POST /v1/files') return this.uploadFile(request, body, response);
    if ((match = /^GET \/v1\/files\/([^/]+)(\/content)?$/.exec(route))) return this.readFile(decodeURIComponent(match[1] ?? ''), match[2] !== undefined, response);
    if (route === 'POST /v1/batch/jobs') return this.createJob(request, body, response);
    if (route === 'GET /v1/batch/jobs') return this.listJobs(url.searchParams, response);
    if ((match = /^GET \/v1\/batch\/jobs\/([^/]+)$/.exec(route))) return this.retrieveJob(decodeURIComponent(match[1] ?? ''), response);
    if ((match = /^POST \/v1\/batch\/jobs\/([^/]+)\/cancel$/.exec(route))) return this.cancelJob(decodeURIComponent(match[1] ?? ''), response);
    sendError(response, 404, `no route ${route}`, 'invalid_request_error');
  }

  private async uploadFile(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    const form = await new Response(body, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData().catch(() => undefined);
    const file = form?.get('file');
    const purpose = form?.get('purpose') ?? 'fine-tune';
    if (typeof file !== 'object' || file === null) return sendError(response, 422, 'Field required', 'invalid_request_error', 'file');
    if (typeof purpose !== 'string' || !['fine-tune', 'batch', 'ocr'].includes(purpose))
      return sendError(response, 422, `Input should be 'fine-tune', 'batch' or 'ocr'`, 'invalid_request_error', 'purpose');
    const content = await file.text();
    const meta = fileObject({ filename: file.name, purpose, sampleType: purpose === 'batch' ? 'batch_request' : 'instruct', source: 'upload', content });
    this.files.set(meta['id'] as string, { meta, content });
    this.uploads += 1;
    sendJson(response, 200, meta);
  }

  private readFile(id: string, content: boolean, response: ServerResponse): void {
    const file = this.files.get(id);
    if (!file) return sendError(response, 404, `File ${id} not found`, 'invalid_request_error', 'file_id');
    if (!content) return sendJson(response, 200, file.meta);
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.end(file.content);
  }

  private createJob(request: IncomingMessage, raw: Buffer, response: ServerResponse): void {
    const body = parseJsonObject(raw.toString('utf8'));
    if (!body) return sendError(response, 400, 'Invalid JSON body', 'invalid_request_error');
    const refusal = this.refuseCreates;
    if (refusal && (refusal.times ?? 1) > 0) {
      if (refusal.times !== undefined) refusal.times -= 1;
      const headers: Record<string, string> = refusal.retryAfterSeconds === undefined ? {} : { 'retry-after': String(refusal.retryAfterSeconds) };
      return sendError(response, refusal.status, refusal.message ?? 'Batch job creation refused', refusal.status === 429 ? 'rate_limit_error' : 'invalid_request_error', null, headers);
    }
    const unknown = Object.keys(body).find((key) => !createFields.has(key));
    if (unknown) return sendError(response, 422, 'Extra inputs are not permitted', 'invalid_request_error', unknown, {}, 'extra_forbidden');
    const { endpoint, model, metadata } = body;
    if (typeof endpoint !== 'string' || !endpoints.has(endpoint)) return sendError(response, 422, 'Input should be a supported endpoint', 'invalid_request_error', 'endpoint');
    if (typeof model !== 'string' || model.length === 0) return sendError(response, 422, 'model is required', 'invalid_request_error', 'model');
    if (metadata !== undefined && metadata !== null && !validMetadata(metadata))
      return sendError(response, 422, 'metadata: keys of 1–32 and values of 1–512 characters', 'invalid_request_error', 'metadata');
    const inputFiles = Array.isArray(body['input_files']) ? body['input_files'].filter((id): id is string => typeof id === 'string') : [];
    const missing = inputFiles.find((id) => this.files.get(id)?.meta['purpose'] !== 'batch');
    if (missing !== undefined) return sendError(response, 404, `Batch input file ${missing} not found`, 'invalid_request_error', 'input_files');
    const records = [...inputFiles.flatMap((id) => (this.files.get(id)?.content ?? '').split('\n')), ...(Array.isArray(body['requests']) ? body['requests'].map((item) => JSON.stringify(item)) : [])];
    const lines: MistralBatchServerLine[] = [];
    let invalid = 0;
    for (const text of records) {
      if (text.trim().length === 0) continue;
      const record = parseJsonObject(text);
      const customId = record?.['custom_id'];
      const lineBody = record?.['body'];
      if (typeof customId !== 'string' || typeof lineBody !== 'object' || lineBody === null || Array.isArray(lineBody)) invalid += 1;
      else lines.push({ custom_id: customId, body: lineBody as Record<string, unknown>, endpoint, model });
    }
    if (lines.length === 0 && invalid === 0) return sendError(response, 422, 'input_files or requests must hold at least one request', 'invalid_request_error', 'input_files');
    for (const line of lines) this.linesReceived.set(line.custom_id, (this.linesReceived.get(line.custom_id) ?? 0) + 1);
    const job = newJob({ inputFiles, metadata: (metadata as Record<string, string> | null | undefined) ?? null, endpoint, model, total: lines.length + invalid, invalid });
    this.jobs.set(job.id, { job, lines, answers: [], polls: 0 });
    this.creates += 1;
    if (this.dropCreateAnswers > 0) {
      this.dropCreateAnswers -= 1;
      request.socket.destroy();
      return;
    }
    sendJson(response, 200, job);
  }

  private listJobs(query: URLSearchParams, response: ServerResponse): void {
    const page = Number(query.get('page') ?? 0);
    const pageSize = Number(query.get('page_size') ?? 100);
    if (!Number.isInteger(page) || page < 0 || !Number.isInteger(pageSize) || pageSize < 1) return sendError(response, 422, 'page and page_size must be integers', 'invalid_request_error', 'page');
    const createdAfter = query.get('created_after');
    const after = createdAfter === null ? undefined : Date.parse(createdAfter) / 1000;
    if (after !== undefined && Number.isNaN(after)) return sendError(response, 422, 'Input should be a valid datetime', 'invalid_request_error', 'created_after');
    const metadataFilter = query.get('metadata') === null ? undefined : parseJsonObject(query.get('metadata') ?? '');
    const statuses = query.getAll('status');
    const model = query.get('model');
    const jobs = [...this.jobs.values()]
      .map((entry) => entry.job)
      .filter((job) => after === undefined || job.created_at >= Math.floor(after))
      .filter((job) => model === null || job.model === model)
      .filter((job) => statuses.length === 0 || statuses.includes(job.status))
      .filter((job) => !metadataFilter || Object.entries(metadataFilter).every(([key, value]) => job.metadata?.[key] === value));
    // Newest first by default; ties (same second) in creation order reversed, as a clock would give them.
    const ordered = query.get('order_by') === 'created' ? jobs : jobs.reverse();
    sendJson(response, 200, { data: ordered.slice(page * pageSize, (page + 1) * pageSize), object: 'list', total: ordered.length });
  }

  private retrieveJob(id: string, response: ServerResponse): void {
    const entry = this.jobs.get(id);
    if (!entry) return sendError(response, 404, `Batch job ${id} not found`, 'invalid_request_error', 'job_id');
    if (this.failRetrieves > 0) {
      this.failRetrieves -= 1;
      return sendError(response, 500, 'Internal server error', 'server_error');
    }
    this.poll(entry);
    sendJson(response, 200, entry.job);
  }

  private cancelJob(id: string, response: ServerResponse): void {
    const entry = this.jobs.get(id);
    if (!entry) return sendError(response, 404, `Batch job ${id} not found`, 'invalid_request_error', 'job_id');
    if (!settled.has(entry.job.status)) entry.job.status = 'CANCELLATION_REQUESTED';
    sendJson(response, 200, entry.job);
  }

  private poll(entry: ServerJob): void {
    const { job } = entry;
    if (settled.has(job.status)) return;
    if (job.status === 'CANCELLATION_REQUESTED') return this.settle(entry, 'CANCELLED');
    entry.polls += 1;
    if (job.status === 'QUEUED') {
      job.status = 'RUNNING';
      job.started_at = nowSeconds();
    }
    this.answerLines(entry, this.progressLines);
    if (!this.hold && entry.polls >= this.completeAfterPolls) {
      this.answerLines(entry, entry.lines.length);
      this.settle(entry, 'SUCCESS');
    }
  }

  private answerLines(entry: ServerJob, count: number): void {
    const end = Math.min(entry.lines.length, entry.answers.length + count);
    for (let index = entry.answers.length; index < end; index += 1) {
      const answer = this.answer(entry.lines[index] as MistralBatchServerLine);
      entry.answers.push(answer);
      entry.job.completed_requests += 1;
      if (answer.status_code >= 200 && answer.status_code < 300) entry.job.succeeded_requests += 1;
      else entry.job.failed_requests += 1;
    }
  }

  private settle(entry: ServerJob, status: MistralBatchStatus): void {
    const { job } = entry;
    const output: string[] = [];
    const errors: string[] = [];
    // Reverse input order: results come in no particular order.
    for (let index = entry.answers.length - 1; index >= 0; index -= 1) {
      const answer = entry.answers[index] as MistralBatchLineAnswer;
      const line = { id: `batch-${job.id.slice(0, 8)}-${index + 1}-${randomUUID()}`, custom_id: (entry.lines[index] as MistralBatchServerLine).custom_id, response: answer, error: null };
      (answer.status_code >= 200 && answer.status_code < 300 ? output : errors).push(JSON.stringify(line));
    }
    if (this.malformedResults) {
      if (output[0] !== undefined) output[0] = output[0].slice(0, Math.floor(output[0].length / 2));
      if (output[1] !== undefined) output[1] = JSON.stringify({ ...(JSON.parse(output[1]) as object), response: 'not an object' });
    }
    job.output_file = this.resultFile(job, output, 'batch_result');
    job.error_file = this.resultFile(job, errors, 'batch_error');
    job.status = status;
    job.completed_at = nowSeconds();
  }

  private resultFile(job: MistralBatchJobObject, lines: string[], sampleType: string): string | null {
    if (lines.length === 0) return null;
    const content = `${lines.join('\n')}\n`;
    const meta = fileObject({ filename: `${job.id}_${sampleType}.jsonl`, purpose: 'batch', sampleType, source: 'mistral', content });
    this.files.set(meta['id'] as string, { meta, content });
    return meta['id'] as string;
  }
}

/**
 * The default answer: a `chat.completion` echoing the last user message (usage 10 prompt / 5 completion
 * tokens), or for embeddings one vector per input (`[characters, index, 0.5]`, 10 prompt tokens), in the
 * shapes of the docs' result files. Mistral's own examples also carry `"tool_calls": null` on messages,
 * which is left out here. Other endpoints: a 400.
 */
export function echoAnswer(line: MistralBatchServerLine): MistralBatchLineAnswer {
  if (line.endpoint === '/v1/embeddings') {
    const input = line.body['input'];
    const texts = (Array.isArray(input) ? input : [input]).map((item) => (typeof item === 'string' ? item : ''));
    const data = texts.map((text, index) => ({ object: 'embedding', embedding: [text.length, index, 0.5], index }));
    return { status_code: 200, body: { id: randomUUID().replaceAll('-', ''), object: 'list', model: line.model, usage: { prompt_tokens: 10, completion_tokens: 0, total_tokens: 10 }, data } };
  }
  if (line.endpoint !== '/v1/chat/completions') return { status_code: 400, body: errorBody(`${line.endpoint} is not answered by this server`, 'invalid_request_error') };
  const messages = Array.isArray(line.body['messages']) ? (line.body['messages'] as Array<{ role?: unknown; content?: unknown }>) : [];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const text = typeof lastUser?.content === 'string' ? lastUser.content : '';
  return {
    status_code: 200,
    body: {
      id: randomUUID().replaceAll('-', ''),
      object: 'chat.completion',
      model: line.model,
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      created: 1761577934,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `echo: ${text}` } }],
    },
  };
}

/** Mistral's documented error body. */
export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): Record<string, unknown> {
  return { object: 'error', message, type, param, code };
}

function sendError(response: ServerResponse, status: number, message: string, type: string, param: string | null = null, headers: Record<string, string> = {}, code: string | null = null): void {
  sendJson(response, status, errorBody(message, type, param, code), headers);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A new job, QUEUED; lines that could not be read count as failed at once. */
function newJob(input: { inputFiles: string[]; metadata: Record<string, string> | null; endpoint: string; model: string; total: number; invalid: number }) {
  return {
    id: randomUUID(),
    object: 'batch' as const,
    input_files: input.inputFiles,
    metadata: input.metadata,
    endpoint: input.endpoint,
    model: input.model as string | null,
    agent_id: null,
    output_file: null as string | null,
    error_file: null as string | null,
    errors: input.invalid > 0 ? [{ message: 'Invalid batch request line', count: input.invalid }] : [],
    outputs: null,
    status: 'QUEUED' as MistralBatchStatus,
    created_at: nowSeconds(),
    total_requests: input.total,
    completed_requests: input.invalid,
    succeeded_requests: 0,
    failed_requests: input.invalid,
    started_at: null as number | null,
    completed_at: null as number | null,
  };
}

function fileObject(input: { filename: string; purpose: string; sampleType: string; source: string; content: string }): Record<string, unknown> {
  const lines = input.content.split('\n').filter((line) => line.trim().length > 0).length;
  return {
    id: randomUUID(),
    object: 'file',
    bytes: Buffer.byteLength(input.content),
    created_at: nowSeconds(),
    filename: input.filename,
    purpose: input.purpose,
    sample_type: input.sampleType,
    source: input.source,
    num_lines: lines,
    mimetype: 'application/jsonl',
    signature: null,
  };
}

function validMetadata(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(([key, item]) => key.length >= 1 && key.length <= 32 && typeof item === 'string' && item.length >= 1 && item.length <= 512);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
