import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../../../errors/gateway-error.ts';
import type { TokenUsage } from '../../../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../../providers/chat-stream.ts';
import type { ChatStreamEncoder } from '../../sse-writer.ts';
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
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Writes a streamed answer as Anthropic's Messages events (see {@link MessagesStreamEventTranslator}):
 * `message_start` as the response is committed, then the content blocks, then `message_delta` with the
 * usage and `message_stop`; or, after a failure, one `event: error` in Anthropic's error shape, which
 * the Anthropic SDKs raise as an APIError. Heartbeats are Anthropic's own `ping` events, which every
 * Anthropic client expects and skips, from `start` until the response ends or its connection closes.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export class AnthropicStreamEncoder implements ChatStreamEncoder {
  private readonly translator: MessagesStreamEventTranslator;
  private readonly heartbeatIntervalMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private committed = false;

  constructor(
    private readonly response: ServerResponse,
    options: AnthropicStreamEncoderOptions,
  ) {
    this.translator = new MessagesStreamEventTranslator({ id: messageIdFor(options.requestId), model: options.model });
    this.heartbeatIntervalMs = options.heartbeatIntervalMs;
  }

  get started(): boolean {
    return this.committed;
  }

  get open(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }

  /** Commits the response (status 200, the SSE headers plus `headers`) and writes `message_start`. */
  start(headers: Record<string, string>): void {
    this.committed = true;
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // Proxies such as nginx buffer responses unless told not to; a buffered stream is no stream.
      'x-accel-buffering': 'no',
      ...headers,
    });
    if (!this.open) return;
    this.write(this.translator.start());
    if (this.heartbeatIntervalMs > 0) {
      this.heartbeat = setInterval(() => this.keepAlive(), this.heartbeatIntervalMs);
      this.response.once('close', () => this.stopHeartbeat());
    }
  }

  /** An `event: ping` now (it also restarts the heartbeat count). */
  keepAlive(): void {
    if (this.open) this.write([{ type: 'ping' }]);
  }

  chunks(chunks: readonly ChatCompletionChunk[]): void {
    if (!this.open) return;
    const events = chunks.flatMap((chunk) => this.translator.push(chunk));
    if (events.length > 0) this.write(events);
  }

  /** The last block closed, `message_delta` with the stop reason and usage (and `cost`), `message_stop`, the end. */
  finish(usage: TokenUsage, cost: string | undefined): void {
    if (!this.open) return;
    this.stopHeartbeat();
    this.response.end(this.translator.finish(usage, cost).map(formatMessagesEvent).join(''));
  }

  /** One `event: error`, then the end (no `message_stop`: the answer is incomplete). */
  fail(error: GatewayError): void {
    if (!this.open) return;
    this.stopHeartbeat();
    this.response.end(formatMessagesEvent(anthropicErrorBody(error)));
  }

  private write(events: readonly MessageStreamEvent[]): void {
    this.response.write(events.map(formatMessagesEvent).join(''));
    this.heartbeat?.refresh();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
