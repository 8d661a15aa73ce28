import type { RedisClient } from '../redis/redis-connections.ts';
import type { GatewayErrorPayload } from '../errors/gateway-error.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../providers/chat-stream.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import { deliverLocally } from './reply-channel.ts';

/**
 * A streamed request's messages from the worker to the API process holding the client's connection,
 * on the same reply channel as whole answers. `seq` counts from 0 so the API notices a message lost in
 * a Redis reconnect (pub/sub delivers at most once) and ends the stream with an error, not a silent cut.
 * A failure before the first chunk is an ordinary `ChatReply` (`ok: false`): the client still gets an
 * HTTP error status, and fallback works as for any call.
 */
export type StreamMessage =
  | {
      requestId: string;
      stream: 'chunks';
      seq: number;
      chunks: ChatCompletionChunk[];
      /** First message only: the trail so far, the serving route last (for the response headers). */
      trail?: RouteAttempt[];
    }
  | {
      requestId: string;
      stream: 'end';
      seq: number;
      /** Usage as recorded (for the `include_usage` chunk) and its cost, exact decimal. */
      usage: TokenUsage;
      cost: string | undefined;
      /** Set when the stream broke off after its first chunk: sent to the client as an error event. */
      error?: GatewayErrorPayload;
    };

export function isStreamMessage(message: unknown): message is StreamMessage {
  return typeof message === 'object' && message !== null && 'stream' in message && (message.stream === 'chunks' || message.stream === 'end');
}

/** The channel every worker process listens on for streams whose client went away. */
export function streamCancelChannel(prefix: string): string {
  return `${prefix}:stream-cancel`;
}

/**
 * Publishes one stream's messages in order (one connection, so Redis keeps the order). PUBLISH
 * answers how many subscribers got the message: none means the API process holding the client is
 * gone, and `onOrphaned` lets the worker stop paying for an answer nobody reads.
 */
export class StreamPublisher {
  private seq = 0;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly requestId: string,
    private readonly onOrphaned: () => void,
  ) {}

  get sent(): number {
    return this.seq;
  }

  chunks(chunks: ChatCompletionChunk[], trail?: RouteAttempt[]): void {
    const message: StreamMessage = { requestId: this.requestId, stream: 'chunks', seq: this.seq, chunks, ...(this.seq === 0 && trail ? { trail } : {}) };
    this.send(message);
  }

  /** The last message; resolves once Redis took it (and every message before it). */
  end(fields: { usage: TokenUsage; cost: string | undefined; error?: GatewayErrorPayload }): Promise<void> {
    this.send({ requestId: this.requestId, stream: 'end', seq: this.seq, ...fields });
    return this.last.then(() => undefined);
  }

  private send(message: StreamMessage): void {
    this.seq += 1;
    // The API process is this one (role `all`): in memory, in order, no PUBLISH.
    if (deliverLocally(this.channel, message)) return;
    const published = this.redis.publish(this.channel, JSON.stringify(message)).then(
      (receivers) => {
        if (receivers === 0) this.onOrphaned();
      },
      () => this.onOrphaned(),
    );
    this.last = Promise.all([this.last, published]);
  }
}
