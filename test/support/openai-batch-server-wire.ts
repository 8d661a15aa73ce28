import { randomUUID } from 'node:crypto';
import type { ParsedInputLine } from './openai-batch-server-files.ts';

/**
 * The wire of the vendors whose batch APIs have OpenAI's shape, as the test server speaks them: what
 * differs is data here, taken from each vendor's documentation (cited per flavor).
 */
export type OpenAIBatchServerFlavor = 'openai' | 'groq' | 'together' | 'azure';

export type OpenAIBatchServerOperation = 'chat' | 'embeddings';

export interface FlavorWire {
  /** Where the API lives on the server. */
  basePath: string;
  /** What a provider config's `baseUrl` adds to the server's origin (Azure's is the resource: none). */
  configPath: string;
  /** `authorization: Bearer <key>`, or Azure's `api-key: <key>`. */
  authHeader: 'authorization' | 'api-key';
  /** A query parameter every call must carry (Azure's `api-version`). */
  requiredQuery?: string;
  uploadPath: string;
  purpose: string;
  /** The endpoints a batch may name, by operation. */
  endpoints: Partial<Record<OpenAIBatchServerOperation, string>>;
  /** Whether each line must carry `method` and `url` (Together's lines are `{custom_id, body}`). */
  linesCarryUrl: boolean;
  /** The windows a create may ask for (Together's is optional, and 24h when absent). */
  completionWindows: readonly string[];
  list: 'after' | 'cursor' | 'array';
  /** Together's batch object (`{job}` on create, upper-case statuses, ISO timestamps); otherwise OpenAI's. */
  object: 'openai' | 'together';
  keepsMetadata: boolean;
  /** Together documents no `cancelling` status: a cancel ends the batch at once. */
  cancelsAtOnce: boolean;
  docs: string;
}

export const flavors: Record<OpenAIBatchServerFlavor, FlavorWire> = {
  openai: {
    basePath: '/v1',
    configPath: '/v1',
    authHeader: 'authorization',
    uploadPath: '/files',
    purpose: 'batch',
    endpoints: { chat: '/v1/chat/completions', embeddings: '/v1/embeddings' },
    linesCarryUrl: true,
    completionWindows: ['24h'],
    list: 'after',
    object: 'openai',
    keepsMetadata: true,
    cancelsAtOnce: false,
    docs: 'https://platform.openai.com/docs/api-reference/batch',
  },
  groq: {
    basePath: '/openai/v1',
    configPath: '/openai/v1',
    authHeader: 'authorization',
    uploadPath: '/files',
    purpose: 'batch',
    endpoints: { chat: '/v1/chat/completions' },
    linesCarryUrl: true,
    completionWindows: ['24h', '48h', '72h', '4d', '5d', '6d', '7d'],
    list: 'cursor',
    object: 'openai',
    keepsMetadata: true,
    cancelsAtOnce: false,
    docs: 'https://console.groq.com/docs/batch',
  },
  together: {
    basePath: '/v1',
    configPath: '/v1',
    authHeader: 'authorization',
    uploadPath: '/files/upload',
    purpose: 'batch-api',
    endpoints: { chat: '/v1/chat/completions' },
    linesCarryUrl: false,
    completionWindows: ['24h'],
    list: 'array',
    object: 'together',
    keepsMetadata: false,
    cancelsAtOnce: true,
    docs: 'https://docs.together.ai/reference/batch-create',
  },
  azure: {
    basePath: '/openai',
    configPath: '',
    authHeader: 'api-key',
    requiredQuery: 'api-version',
    uploadPath: '/files',
    purpose: 'batch',
    endpoints: { chat: '/chat/completions' },
    linesCarryUrl: true,
    completionWindows: ['24h'],
    list: 'after',
    object: 'openai',
    keepsMetadata: true,
    cancelsAtOnce: false,
    docs: 'https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch',
  },
};

export type OpenAIBatchServerStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** OpenAI's Batch object, as the server keeps every batch (and answers it, but for Together). */
export interface OpenAIBatchObject {
  id: string;
  object: 'batch';
  endpoint: string;
  errors: { object: 'list'; data: BatchError[] } | null;
  input_file_id: string;
  completion_window: string;
  status: OpenAIBatchServerStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

/** A batch just made: `validating`, expiring 24 hours on. */
export function newBatchObject(input: { id: string; endpoint: string; inputFileId: string; completionWindow: string; now: number; metadata: Record<string, string> | null }): OpenAIBatchObject {
  const { now } = input;
  return {
    id: input.id,
    object: 'batch',
    endpoint: input.endpoint,
    errors: null,
    input_file_id: input.inputFileId,
    completion_window: input.completionWindow,
    status: 'validating',
    output_file_id: null,
    error_file_id: null,
    created_at: now,
    in_progress_at: null,
    expires_at: now + 24 * 3600,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 },
    metadata: input.metadata,
  };
}

/** The batch object as the flavor answers it. @see https://docs.together.ai/reference/batch-get */
export function renderBatch(batch: OpenAIBatchObject, flavor: FlavorWire, model: string | undefined): unknown {
  if (flavor.object === 'openai') return batch;
  const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());
  const upper: Record<OpenAIBatchServerStatus, string> = {
    validating: 'VALIDATING',
    failed: 'FAILED',
    in_progress: 'IN_PROGRESS',
    finalizing: 'IN_PROGRESS',
    completed: 'COMPLETED',
    expired: 'EXPIRED',
    cancelling: 'CANCELING',
    cancelled: 'CANCELLED',
  };
  const { total, completed, failed } = batch.request_counts;
  return {
    id: batch.id,
    user_id: 'user_test',
    input_file_id: batch.input_file_id,
    file_size_bytes: 0,
    status: upper[batch.status],
    job_deadline: iso(batch.expires_at),
    created_at: iso(batch.created_at),
    endpoint: batch.endpoint,
    progress: total === 0 ? 0 : (100 * (completed + failed)) / total,
    model_id: model ?? null,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    ...(batch.errors ? { error: batch.errors.data.map((error) => error.message).join('; ') } : {}),
    completed_at: iso(batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at),
  };
}

/** A request of the input file, as the server read it. */
export interface OpenAIBatchServerLine {
  batchId: string;
  customId: string;
  operation: OpenAIBatchServerOperation;
  /** The batch's endpoint (every line's `url` must equal it). */
  endpoint: string;
  body: Record<string, unknown>;
}

/** What the endpoint answered one request: its status and body (an error body for a status of 400 or more). */
export interface OpenAIBatchServerAnswer {
  status_code: number;
  body: unknown;
}

/** One result line as the flavor writes it: OpenAI's `{id, custom_id, response, error}`, or Together's. */
export function renderResultLine(flavor: FlavorWire, customId: string, answer: OpenAIBatchServerAnswer): string {
  if (flavor.object === 'together') {
    if (answer.status_code < 400) return JSON.stringify({ custom_id: customId, response: { status_code: answer.status_code, body: answer.body } });
    const error = errorOfBody(answer.body);
    return JSON.stringify({ custom_id: customId, error: { message: error.message, code: error.code ?? String(answer.status_code) } });
  }
  const id = nextLineId();
  return JSON.stringify({ id: `batch_req_${id}`, custom_id: customId, response: { status_code: answer.status_code, request_id: `req_${id}`, body: answer.body }, error: null });
}

/** A request that never ran (`batch_expired`, `batch_cancelled`), as the flavor writes it. */
export function renderNotRunLine(flavor: FlavorWire, customId: string, code: 'batch_expired' | 'batch_cancelled'): string {
  const message = code === 'batch_expired' ? 'This request could not be executed before the completion window expired.' : 'This request was not executed because the batch was cancelled.';
  if (flavor.object === 'together') return JSON.stringify({ custom_id: customId, error: { message, code } });
  return JSON.stringify({ id: `batch_req_${nextLineId()}`, custom_id: customId, response: null, error: { code, message } });
}

function errorOfBody(body: unknown): { message: string; code: string | undefined } {
  if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object' && body.error !== null) {
    const error = body.error as { message?: unknown; code?: unknown };
    return { message: typeof error.message === 'string' ? error.message : 'request failed', code: typeof error.code === 'string' ? error.code : undefined };
  }
  return { message: 'request failed', code: undefined };
}

/** OpenAI's error body, `{error: {message, type, param, code}}` (Azure answers the same shape). */
export function errorBody(error: { message: string; type: string; code?: string | null; param?: string | null }): unknown {
  return { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } };
}

/** The 401 of a call without the right key: OpenAI's wording, or Azure's (`api-key`). */
export function unauthorizedBody(flavor: FlavorWire, sentCredentials: boolean): unknown {
  if (flavor.authHeader === 'api-key') {
    const message =
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';
    return { error: { code: '401', message } };
  }
  if (!sentCredentials) {
    const message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    return errorBody({ message, type: 'invalid_request_error' });
  }
  return errorBody({ message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' });
}

/**
 * The default answer: a `chat.completion` echoing the last user message, or one embedding per input,
 * both deterministic, with fixed usage (chat 10 + 5 tokens; embeddings 4 tokens an input).
 */
export function echoAnswer(line: OpenAIBatchServerLine): OpenAIBatchServerAnswer {
  const model = typeof line.body['model'] === 'string' ? line.body['model'] : 'unknown-model';
  if (line.operation === 'embeddings') {
    const input = line.body['input'];
    const inputs: unknown[] = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input : [input];
    const data = inputs.map((item, index) => ({ object: 'embedding', index, embedding: vectorOf(item) }));
    return { status_code: 200, body: { object: 'list', data, model, usage: { prompt_tokens: 4 * inputs.length, total_tokens: 4 * inputs.length } } };
  }
  return {
    status_code: 200,
    body: {
      id: `chatcmpl-${line.customId}`,
      object: 'chat.completion',
      created: 1741569952,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${lastUserText(line.body)}`, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    },
  };
}

/** The deterministic vector {@link echoAnswer} gives an input: its length, and its first and last character codes / 1000. */
export function vectorOf(input: unknown): number[] {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  return [text.length, (text.codePointAt(0) ?? 0) / 1000, (text.codePointAt(text.length - 1) ?? 0) / 1000];
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Array<{ role?: unknown; content?: unknown }>) : [];
  const content = [...messages].reverse().find((message) => message.role === 'user')?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('');
  return '';
}

/** The input file's requests, and why the batch must fail when it starts (errors as OpenAI and Azure word them). */
export function readBatchInput(
  input: ParsedInputLine[],
  batch: { batchId: string; operation: OpenAIBatchServerOperation; endpoint: string; linesCarryUrl: boolean },
): { lines: OpenAIBatchServerLine[]; model: string | undefined; errors: BatchError[] } {
  const lines: OpenAIBatchServerLine[] = [];
  const errors: BatchError[] = [];
  const models = new Set<string>();
  const fail = (code: string, message: string, line: number, param: string | null = null) => errors.push({ code, message, param, line });
  for (const { json, line } of input) {
    if (!json) {
      fail('invalid_json_line', 'This line is not parseable as valid JSON.', line);
      continue;
    }
    const body = json['body'];
    if (typeof json['custom_id'] !== 'string' || typeof body !== 'object' || body === null || Array.isArray(body)) {
      fail('invalid_request', 'The request must have a string custom_id and an object body.', line);
      continue;
    }
    if (batch.linesCarryUrl && (json['method'] !== 'POST' || json['url'] !== batch.endpoint)) {
      fail('url_mismatch', `The url of this request must be ${batch.endpoint}, with method POST, as the batch's endpoint.`, line, 'url');
      continue;
    }
    const model = (body as Record<string, unknown>)['model'];
    if (typeof model === 'string') models.add(model);
    lines.push({ batchId: batch.batchId, customId: json['custom_id'], operation: batch.operation, endpoint: batch.endpoint, body: body as Record<string, unknown> });
  }
  if (models.size > 1) fail('model_mismatch', `The requests of a batch must all use the same model; this file uses ${[...models].join(', ')}.`, 0, 'body.model');
  if (input.length === 0) fail('empty_file', 'The input file is empty. Please ensure that the batch contains at least one request.', 0);
  return { lines, model: models.size === 1 ? [...models][0] : undefined, errors };
}

/**
 * One page of `GET /batches` (batches newest first), paged as the flavor pages: OpenAI's `limit` and
 * `after` with `has_more`; Groq's `cursor` and `paging.next_cursor`; Together's whole array.
 */
export function listAnswer(batches: Array<{ id: string; rendered: unknown }>, flavor: FlavorWire, query: URLSearchParams, pageSize: number): unknown {
  if (flavor.list === 'array') return batches.map((batch) => batch.rendered);
  if (flavor.list === 'cursor') {
    const offset = Number(Buffer.from(query.get('cursor') ?? '', 'base64url').toString() || '0');
    const page = batches.slice(offset, offset + pageSize);
    const more = offset + page.length < batches.length;
    return { object: 'list', data: page.map((batch) => batch.rendered), paging: more ? { next_cursor: Buffer.from(String(offset + page.length)).toString('base64url') } : {} };
  }
  const limit = Math.min(Math.max(Number(query.get('limit') ?? '20') || 20, 1), 100, pageSize);
  const after = query.get('after');
  const start = after === null ? 0 : batches.findIndex((batch) => batch.id === after) + 1;
  const page = batches.slice(start, start + limit);
  return { object: 'list', data: page.map((batch) => batch.rendered), first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: start + page.length < batches.length };
}

const lineIdPrefix = shortId().slice(0, 8);
let lineSequence = 0;

/** Result lines' ids: unique, and cheap for 100,000-line batches. */
function nextLineId(): string {
  lineSequence += 1;
  return `${lineIdPrefix}${lineSequence.toString(36).padStart(8, '0')}`;
}

export function shortId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 24);
}
