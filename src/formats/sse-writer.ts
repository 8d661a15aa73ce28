import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../providers/chat-stream.ts';

/**
 * An SSE comment line: every SSE client skips it (the OpenAI SDKs' decoders included), while proxies
 * and load balancers see traffic and keep an idle connection open.
 */
export const keepAliveComment = ': keep-alive\n\n';

export interface SseWriterOptions {
  /** Add the final usage chunk, and `usage: null` on every other chunk. */
  includeUsage: boolean;
  /**
   * After `start`, a {@link keepAliveComment} whenever this long passed without a write; every write
   * restarts the count. 0: none. @defaultValue 0
   */
  heartbeatIntervalMs?: number;
}

/**
 * Writes a streamed answer in one wire format (OpenAI chat chunks, Anthropic Messages events, Responses
 * events): the chunks the worker sends (always OpenAI `chat.completion.chunk`s inside the gateway) are
 * encoded at the edge. `fail` renders the error in the format's own shape.
 */
export interface ChatStreamEncoder {
  /** Whether `start` ran: the status is sent, so a failure can only be an error event now. */
  readonly started: boolean;
  readonly open: boolean;
  /** Commits the response: status 200 and the SSE headers (plus `headers`), sent with the first write. */
  start(headers: Record<string, string>): void;
  /** An SSE comment now (it also restarts the heartbeat count). */
  keepAlive(): void;
  chunks(chunks: readonly ChatCompletionChunk[]): void;
  /** The end of a complete answer: its usage (and cost, USD), then the end of the response. */
  finish(usage: TokenUsage, cost: string | undefined): void;
  /** An error after the stream started: one error event in the format's shape, then the end. */
  fail(error: GatewayError): void;
}

/** One named server-sent event: `event: <type>` and its data as JSON (Anthropic's and the Responses API's framing). */
export function namedSseEvent(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * What every SSE answer does, whatever its format: commit status 200 and the SSE headers, send a
 * heartbeat whenever `heartbeatIntervalMs` passed without a write (from `start` until the response
 * ends or its connection closes), and end once. Formats extend it with their events.
 */
export abstract class SseStream {
  private heartbeat: NodeJS.Timeout | undefined;
  private committed = false;

  constructor(
    protected readonly response: ServerResponse,
    private readonly heartbeatIntervalMs: number,
  ) {}

  /** Whether `start` ran: the status is sent, so a failure can only be an error event now. */
  get started(): boolean {
    return this.committed;
  }

  get open(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }

  /** A heartbeat now (it also restarts the heartbeat count). */
  keepAlive(): void {
    if (this.open) this.write(this.heartbeatText());
  }

  /** The text of one heartbeat. @defaultValue {@link keepAliveComment} */
  protected heartbeatText(): string {
    return keepAliveComment;
  }

  /** Commits the response (status 200, the SSE headers plus `headers`), writes `opening`, then starts the heartbeats. */
  protected commit(headers: Record<string, string>, opening = ''): void {
    this.committed = true;
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // Proxies such as nginx buffer responses unless told not to; a buffered stream is no stream.
      'x-accel-buffering': 'no',
      ...headers,
    });
    if (!this.open) return;
    if (opening) this.write(opening);
    if (this.heartbeatIntervalMs > 0) {
      this.heartbeat = setInterval(() => this.keepAlive(), this.heartbeatIntervalMs);
      this.response.once('close', () => this.stopHeartbeat());
    }
  }

  protected write(text: string): void {
    this.response.write(text);
    this.heartbeat?.refresh();
  }

  /** The last text and the end of the response (nothing once it has ended). */
  protected end(text: string): void {
    if (!this.open) return;
    this.stopHeartbeat();
    this.response.end(text);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/**
 * Writes an OpenAI chat completion stream: `data: <chunk>` events, the `include_usage` chunk, then
 * `data: [DONE]` — or an error event (`data: {"error":…}`, which the OpenAI SDKs raise as an
 * APIError) and a clean end. With `include_usage` every other chunk carries `usage: null`, as OpenAI's.
 * Heartbeats run from `start` until the response ends or its connection closes.
 */
export class SseWriter extends SseStream implements ChatStreamEncoder {
  private template: Pick<ChatCompletionChunk, 'id' | 'created' | 'model' | 'system_fingerprint'> | undefined;
  private readonly includeUsage: boolean;

  constructor(response: ServerResponse, options: SseWriterOptions) {
    super(response, options.heartbeatIntervalMs ?? 0);
    this.includeUsage = options.includeUsage;
  }

  /** Commits the response: status 200 and the SSE headers, sent with the first write. */
  start(headers: Record<string, string>): void {
    this.commit(headers);
  }

  chunks(chunks: readonly ChatCompletionChunk[]): void {
    if (!this.open || chunks.length === 0) return;
    let text = '';
    for (const chunk of chunks) {
      this.template ??= { id: chunk.id, created: chunk.created, model: chunk.model, system_fingerprint: chunk.system_fingerprint };
      text += `data: ${JSON.stringify(this.includeUsage ? { ...chunk, usage: null } : chunk)}\n\n`;
    }
    this.write(text);
  }

  /** The final usage chunk (when asked for), `[DONE]`, and the end of the response. */
  finish(usage: TokenUsage, cost: string | undefined): void {
    if (!this.open) return;
    let text = '';
    if (this.includeUsage) {
      const usageChunk = {
        id: this.template?.id ?? '',
        object: 'chat.completion.chunk',
        created: this.template?.created ?? Math.floor(Date.now() / 1000),
        model: this.template?.model ?? '',
        ...(this.template?.system_fingerprint === undefined ? {} : { system_fingerprint: this.template.system_fingerprint }),
        choices: [],
        usage: openAIUsage(usage, cost),
      };
      text += `data: ${JSON.stringify(usageChunk)}\n\n`;
    }
    this.end(`${text}data: [DONE]\n\n`);
  }

  /** An error after the stream started: one error event, then the end (no `[DONE]`: the answer is incomplete). */
  fail(error: GatewayError): void {
    this.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
  }
}

/** Usage in OpenAI's shape, with the gateway's `cost` extension (USD) as in non-streamed answers. */
export function openAIUsage(usage: TokenUsage, cost: string | undefined): Record<string, unknown> {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    ...(usage.cachedPromptTokens ? { prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens } } : {}),
    ...(cost === undefined ? {} : { cost: Number(cost) }),
  };
}
