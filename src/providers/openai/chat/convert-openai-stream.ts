import { z } from 'zod';
import type { TokenUsage } from '../../chat-completion-schemas.ts';
import { chatCompletionChunkSchema, type ChatCompletionChunk, type StreamTranslator, type StreamTranslatorInput, type WireEvent } from '../../chat-stream.ts';
import type { WireErrorInput } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertOpenAIUsage } from './convert-openai-response.ts';
import { parseOpenAIError } from '../openai-error.ts';

export interface OpenAIStreamOptions {
  /**
   * Reads an in-stream error (`{"error": {…}}`) as the HTTP error body it would have been.
   * @defaultValue {@link parseOpenAIError}
   */
  parseError?: (input: WireErrorInput) => ProviderError;
  /**
   * Top-level fields of a chunk without choices that belong to the answer, e.g. Azure's
   * `prompt_filter_results`. Such a chunk is not passed on (it would carry no stable id yet), so these
   * fields ride on the next chunk that is. @defaultValue none
   */
  carriedFields?: readonly string[];
}

/**
 * Usage as OpenAI sends it on the `include_usage` chunk. `total_tokens` may be missing from
 * compatible servers' usage; it is then the sum, as OpenAI defines it.
 */
const streamUsageSchema = z.looseObject({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0).optional(),
});

/** In-stream errors carry no HTTP status; their type or code says which status they stand for. */
const statusByErrorName: ReadonlyMap<string, number> = new Map([
  ['invalid_request_error', 400],
  ['context_length_exceeded', 400],
  ['content_filter', 400],
  ['authentication_error', 401],
  ['invalid_api_key', 401],
  ['permission_error', 403],
  ['not_found_error', 404],
  ['rate_limit_exceeded', 429],
  ['insufficient_quota', 429],
]);

interface StreamIdentity {
  id: string;
  created: number;
  model: string;
}

/**
 * OpenAI's `chat.completion.chunk` stream, passed on nearly as sent (unknown fields included). What
 * changes: the usage-only chunk (`choices: []`) is not passed on and `usage` is taken off every chunk,
 * both kept for {@link usage}; `id`, `created` and `model` are held to the first chunk's for the whole
 * stream (Azure's annotation chunks send them empty); and what compatible servers leave out is filled
 * in before validation: `object`, a choice's `delta` (Azure annotations have none) and `finish_reason`,
 * its `index` (its position), `delta.role` on a choice's first chunk, and a `null` `role` or `tool_calls`
 * (Mistral) is dropped. Only `data: [DONE]` marks the answer complete.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export class OpenAIStreamTranslator implements StreamTranslator {
  #done = false;
  #usage: TokenUsage | undefined;
  #identity: StreamIdentity | undefined;
  #carried: Record<string, unknown> = {};
  readonly #choicesStarted = new Set<number>();

  constructor(
    private readonly input: StreamTranslatorInput,
    private readonly options: OpenAIStreamOptions = {},
  ) {}

  get done(): boolean {
    return this.#done;
  }

  usage(): TokenUsage | undefined {
    return this.#usage;
  }

  push(event: WireEvent): ChatCompletionChunk[] {
    const data = event.data.trim();
    // Nothing follows [DONE] in a well-formed stream; a keep-alive without data carries nothing.
    if (this.#done || data === '') return [];
    if (data === '[DONE]') {
      this.#done = true;
      return [];
    }
    const body = this.#parseJson(data, event.event);
    if (body['error'] !== undefined && body['error'] !== null) throw this.#streamError(body);
    const { usage, ...fields } = body;
    this.#captureUsage(usage);
    const choices = fields['choices'];
    if (Array.isArray(choices) && choices.length === 0) {
      this.#carry(fields);
      return [];
    }
    const parsed = chatCompletionChunkSchema.safeParse(this.#normalize(fields));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.#invalid(`a chunk does not match chat.completion.chunk: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
    return [parsed.data];
  }

  #parseJson(data: string, eventName: string | undefined): Record<string, unknown> {
    let body: unknown;
    try {
      body = JSON.parse(data) as unknown;
    } catch {
      // An `event: error` whose data is plain text is still the provider saying it failed.
      if (eventName === 'error') return { error: { message: data.slice(0, 500) } };
      throw this.#invalid(`an event is not JSON: ${data.slice(0, 200)}`);
    }
    if (!isRecord(body)) throw this.#invalid(`an event is not a JSON object: ${data.slice(0, 200)}`);
    return body;
  }

  #captureUsage(usage: unknown): void {
    if (usage === undefined || usage === null) return;
    const parsed = streamUsageSchema.safeParse(usage);
    if (!parsed.success) throw this.#invalid(`usage does not match CompletionUsage: ${JSON.stringify(usage).slice(0, 200)}`);
    const { total_tokens: total, ...counts } = parsed.data;
    this.#usage = convertOpenAIUsage({ ...counts, total_tokens: total ?? counts.prompt_tokens + counts.completion_tokens });
  }

  #carry(fields: Record<string, unknown>): void {
    for (const name of this.options.carriedFields ?? []) {
      if (fields[name] !== undefined) this.#carried[name] = fields[name];
    }
  }

  #normalize(fields: Record<string, unknown>): Record<string, unknown> {
    this.#identity ??= {
      id: nonEmptyString(fields['id']) ?? `chatcmpl-${this.input.requestId}`,
      created: positiveInteger(fields['created']) ?? this.input.created,
      model: nonEmptyString(fields['model']) ?? this.input.upstreamModel,
    };
    const object = fields['object'] === undefined || fields['object'] === '' ? 'chat.completion.chunk' : fields['object'];
    const choices = Array.isArray(fields['choices']) ? fields['choices'].map((choice: unknown, position) => this.#normalizeChoice(choice, position)) : fields['choices'];
    const chunk = { ...this.#carried, ...fields, ...this.#identity, object, choices };
    this.#carried = {};
    return chunk;
  }

  #normalizeChoice(choice: unknown, position: number): unknown {
    if (!isRecord(choice)) return choice;
    const index = choice['index'] ?? position;
    const sent = choice['delta'] ?? {};
    const delta = isRecord(sent) ? this.#normalizeDelta(withoutNull(sent, ['role', 'tool_calls']), index) : sent;
    return { ...choice, index, delta, finish_reason: choice['finish_reason'] ?? null };
  }

  /** The first chunk of each choice says who speaks, as OpenAI's does. */
  #normalizeDelta(delta: Record<string, unknown>, index: unknown): Record<string, unknown> {
    if (typeof index !== 'number' || this.#choicesStarted.has(index)) return delta;
    this.#choicesStarted.add(index);
    return delta['role'] === undefined ? { role: 'assistant', ...delta } : delta;
  }

  #streamError(body: Record<string, unknown>): ProviderError {
    const parse = this.options.parseError ?? parseOpenAIError;
    return parse({ provider: this.input.provider, status: streamErrorStatus(body['error']), headers: {}, body });
  }

  #invalid(detail: string): ProviderError {
    return new ProviderError({
      provider: this.input.provider,
      status: 502,
      code: 'invalid_provider_response',
      message: `provider sent an unexpected stream event: ${detail}`,
      retryable: false,
    });
  }
}

export function createOpenAIStreamTranslator(input: StreamTranslatorInput, options?: OpenAIStreamOptions): OpenAIStreamTranslator {
  return new OpenAIStreamTranslator(input, options);
}

/**
 * The HTTP status an in-stream error stands for: a status-like `status` or `code` (vLLM, OpenRouter),
 * else its type or code by {@link statusByErrorName}, else 500, as a failure mid-answer is the server's.
 */
export function streamErrorStatus(error: unknown): number {
  if (!isRecord(error)) return 500;
  for (const value of [error['status'], error['code']]) {
    const status = typeof value === 'number' ? value : typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : undefined;
    if (status !== undefined && status >= 400 && status <= 599) return status;
  }
  for (const value of [error['code'], error['type']]) {
    const status = typeof value === 'string' ? statusByErrorName.get(value) : undefined;
    if (status !== undefined) return status;
  }
  return 500;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function withoutNull(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  if (!fields.some((field) => record[field] === null)) return record;
  const copy = { ...record };
  for (const field of fields) if (copy[field] === null) delete copy[field];
  return copy;
}
