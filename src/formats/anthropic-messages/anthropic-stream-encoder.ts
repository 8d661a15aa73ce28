import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../../errors/gateway-error.ts';
import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../providers/chat-stream.ts';
import { namedSseEvent, SseStream, type ChatStreamEncoder } from '../sse-writer.ts';
import { anthropicErrorBody } from './anthropic-errors.ts';
import { messageIdFor } from './convert-messages-response.ts';
import type { MessageStreamEvent } from './message-response-schemas.ts';
import { MessagesStreamEventTranslator } from './messages-stream-events.ts';

export interface AnthropicStreamEncoderOptions {
  /** The model the client asked for, named in `message_start`. */
  model: string;
  /** The gateway request id; the message id is derived from it, as for a whole answer. */
  requestId: string;
  /**
   * After `start`, an `event: ping` whenever this long passed without a write; every write restarts
   * the count. 0: none.
   */
  heartbeatIntervalMs: number;
}

/** One server-sent event as Anthropic writes it: the event name, and the same name as the data's `type`. */
export function formatMessagesEvent(event: MessageStreamEvent): string {
  return namedSseEvent(event);
}

/**
 * Writes a streamed answer as Anthropic's Messages events (see {@link MessagesStreamEventTranslator}):
 * `message_start` as the response is committed, then the content blocks, then `message_delta` with the
 * usage and `message_stop`; or, after a failure, one `event: error` in Anthropic's error shape, which
 * the Anthropic SDKs raise as an APIError. Heartbeats are Anthropic's own `ping` events, which every
 * Anthropic client expects and skips, from `start` until the response ends or its connection closes.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export class AnthropicStreamEncoder extends SseStream implements ChatStreamEncoder {
  private readonly translator: MessagesStreamEventTranslator;

  constructor(response: ServerResponse, options: AnthropicStreamEncoderOptions) {
    super(response, options.heartbeatIntervalMs);
    this.translator = new MessagesStreamEventTranslator({ id: messageIdFor(options.requestId), model: options.model });
  }

  /** Commits the response (status 200, the SSE headers plus `headers`) and writes `message_start`. */
  start(headers: Record<string, string>): void {
    this.commit(headers, events(this.translator.start()));
  }

  chunks(chunks: readonly ChatCompletionChunk[]): void {
    if (!this.open) return;
    const translated = chunks.flatMap((chunk) => this.translator.push(chunk));
    if (translated.length > 0) this.write(events(translated));
  }

  /** The last block closed, `message_delta` with the stop reason and usage (and `cost`), `message_stop`, the end. */
  finish(usage: TokenUsage, cost: string | undefined): void {
    if (!this.open) return;
    this.end(events(this.translator.finish(usage, cost)));
  }

  /** One `event: error`, then the end (no `message_stop`: the answer is incomplete). */
  fail(error: GatewayError): void {
    this.end(formatMessagesEvent(anthropicErrorBody(error)));
  }

  /** Heartbeats are `event: ping`. */
  protected override heartbeatText(): string {
    return formatMessagesEvent({ type: 'ping' });
  }
}

function events(list: readonly MessageStreamEvent[]): string {
  return list.map(formatMessagesEvent).join('');
}
