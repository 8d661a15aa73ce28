import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../../errors/gateway-error.ts';
import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../providers/chat-stream.ts';
import { namedSseEvent, SseStream, type ChatStreamEncoder } from '../sse-writer.ts';
import type { ResponseContext } from './convert-to-response.ts';
import { ResponseStreamEvents, type ResponseStreamEvent } from './response-stream-events.ts';
import type { ResponseObject } from './responses-schemas.ts';

export interface ResponsesStreamEncoderOptions extends ResponseContext {
  /**
   * After `start`, a keep-alive comment whenever this long passed without a write; every write
   * restarts the count. 0: none.
   */
  heartbeatIntervalMs: number;
}

/** Events as SSE: `event: <type>` and `data: <json>`, as OpenAI sends them (no `[DONE]` at the end). */
export function encodeResponseEvents(events: readonly ResponseStreamEvent[]): string {
  return events.map(namedSseEvent).join('');
}

/**
 * Writes a streamed answer as the Responses API's events (see {@link ResponseStreamEvents}):
 * `response.created` and `response.in_progress` on `start`, the item events as chunks come, and
 * `response.completed` (or `response.incomplete`) with the full Response on `finish` — or, on
 * `fail`, `response.failed` and an `error` event. Heartbeats are SSE comments, as the chat writer's.
 */
export class ResponsesStreamEncoder extends SseStream implements ChatStreamEncoder {
  private readonly events: ResponseStreamEvents;

  constructor(response: ServerResponse, options: ResponsesStreamEncoderOptions) {
    const { heartbeatIntervalMs, ...context } = options;
    super(response, heartbeatIntervalMs);
    this.events = new ResponseStreamEvents(context);
  }

  /** The Response as the stream last showed it; after `finish` or `fail`, the final one (to store). */
  get responseObject(): ResponseObject {
    return this.events.response;
  }

  /** Commits the response (status 200, the SSE headers and `headers`), then `response.created` and `response.in_progress`. */
  start(headers: Record<string, string>): void {
    this.commit(headers, encodeResponseEvents(this.events.created()));
  }

  chunks(chunks: readonly ChatCompletionChunk[]): void {
    if (!this.open || chunks.length === 0) return;
    const events = this.events.push(chunks);
    if (events.length > 0) this.write(encodeResponseEvents(events));
  }

  /** The last item closed, `response.completed` (or `response.incomplete`) with usage and cost, and the end. */
  finish(usage: TokenUsage, cost: string | undefined): void {
    if (!this.open) return;
    this.end(encodeResponseEvents(this.events.complete(usage, cost, Math.floor(Date.now() / 1000))));
  }

  /** `response.failed` and an `error` event (which the OpenAI SDKs raise), then the end. */
  fail(error: GatewayError): void {
    if (!this.open) return;
    this.end(encodeResponseEvents(this.events.fail(error)));
  }
}
