import type { ServerResponse } from 'node:http';
import type { OpenAIErrorBody } from '../gateway-error.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../providers/chat-stream.ts';

/**
 * Writes an OpenAI chat completion stream: `data: <chunk>` events, the `include_usage` chunk, then
 * `data: [DONE]` — or an error event (`data: {"error":…}`, which the OpenAI SDKs raise as an
 * APIError) and a clean end. With `include_usage` every other chunk carries `usage: null`, as OpenAI's.
 */
export class SseWriter {
  private template: Pick<ChatCompletionChunk, 'id' | 'created' | 'model' | 'system_fingerprint'> | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly includeUsage: boolean,
  ) {}

  start(headers: Record<string, string>): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // Proxies such as nginx buffer responses unless told not to; a buffered stream is no stream.
      'x-accel-buffering': 'no',
      ...headers,
    });
  }

  get open(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }

  chunks(chunks: readonly ChatCompletionChunk[]): void {
    if (!this.open || chunks.length === 0) return;
    let text = '';
    for (const chunk of chunks) {
      this.template ??= { id: chunk.id, created: chunk.created, model: chunk.model, system_fingerprint: chunk.system_fingerprint };
      text += `data: ${JSON.stringify(this.includeUsage ? { ...chunk, usage: null } : chunk)}\n\n`;
    }
    this.response.write(text);
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
    this.response.end(`${text}data: [DONE]\n\n`);
  }

  /** An error after the stream started: one error event, then the end (no `[DONE]`: the answer is incomplete). */
  fail(error: OpenAIErrorBody): void {
    if (!this.open) return;
    this.response.end(`data: ${JSON.stringify(error)}\n\n`);
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
