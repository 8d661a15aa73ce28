import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { GatewayErrorPayload } from '../errors/gateway-error.ts';
import type { OperationResponse } from '../operations/registry.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import { ReplyTimeoutError } from '../errors/reply-timeout-error.ts';

/** Where a call's time went in the worker that answered it, in ms (for `Server-Timing`). */
export interface WorkerTimings {
  /** From the worker taking the job to sending the answer. */
  worker: number;
  /** Waiting for the provider's limits (concurrency, rpm, tpm, a 429 pause). */
  limits: number;
  /** The provider call itself. */
  provider: number;
  /** Writing the outcome and usage to Postgres (and the cache), before the answer is sent. */
  record: number;
}

export type ChatReply = (
  | {
      requestId: string;
      ok: true;
      /** The answer in the operation's OpenAI shape. */ response: OperationResponse;
      /** USD, exact decimal; absent when answered from the record. */ cost?: string;
      timings?: WorkerTimings | undefined;
    }
  | { requestId: string; ok: false; error: GatewayErrorPayload }
) & {
  /** The fallback trail, for the `x-gateway-route` / `x-gateway-attempts` headers. */
  trail?: RouteAttempt[] | undefined;
};

/** The reply channels of listeners in this process (role `all`), by channel name. */
const localListeners = new Map<string, (message: unknown) => void>();

/**
 * Hands a message to a listener of this process directly, when the channel is one of ours: a worker
 * answering the API process it runs in skips a Redis round trip (the job itself still went through the
 * queue). False when the channel belongs to another process.
 */
export function deliverLocally(channel: string, message: unknown): boolean {
  const listener = localListeners.get(channel);
  if (!listener) return false;
  listener(message);
  return true;
}

/** Workers answer a waiting API process on its own channel: one Redis PUBLISH per reply (none in-process). */
export async function publishReply(redis: RedisClient, channel: string, reply: ChatReply): Promise<void> {
  if (deliverLocally(channel, reply)) return;
  await redis.publish(channel, JSON.stringify(reply));
}

/**
 * The API side: one subscriber connection per process and a map of waiting requests. Pub/sub is
 * faster than BullMQ's QueueEvents for this (no stream reads, no job hash kept after completion);
 * a reply lost in a reconnect surfaces as a timeout, and the record is still in Postgres.
 */
export class ReplyListener {
  readonly channel: string;
  private readonly waiting = new Map<string, { resolve: (reply: ChatReply) => void; timer: NodeJS.Timeout }>();
  private readonly listening = new Map<string, (message: unknown) => void>();

  private constructor(
    private readonly subscriber: RedisClient,
    prefix: string,
  ) {
    this.channel = `${prefix}:reply:${randomUUID()}`;
  }

  static async start(subscriber: RedisClient, prefix: string): Promise<ReplyListener> {
    const listener = new ReplyListener(subscriber, prefix);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === listener.channel) listener.deliver(message);
    });
    await subscriber.subscribe(listener.channel);
    localListeners.set(listener.channel, (message) => listener.route(message as ChatReply));
    return listener;
  }

  /** Register before enqueueing, so a fast worker can never answer before anyone listens. */
  expect(requestId: string, timeoutMs: number): Promise<ChatReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new ReplyTimeoutError(`no reply for ${requestId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(requestId, { resolve, timer });
    });
  }

  /**
   * Every message for the request, until the returned function stops listening (streams: many
   * messages per request). Register before enqueueing, as with {@link expect}.
   */
  listen(requestId: string, onMessage: (message: unknown) => void): () => void {
    this.listening.set(requestId, onMessage);
    return () => {
      if (this.listening.get(requestId) === onMessage) this.listening.delete(requestId);
    };
  }

  /** Stop waiting (the enqueue failed); the promise stays pending and is dropped. */
  cancel(requestId: string): void {
    const entry = this.waiting.get(requestId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(requestId);
  }

  /** Answers a waiting request from this process (the drain gave up on it), as a worker's reply would. */
  answer(reply: ChatReply): void {
    this.route(reply);
  }

  get pending(): number {
    return this.waiting.size + this.listening.size;
  }

  async close(): Promise<void> {
    localListeners.delete(this.channel);
    await this.subscriber.unsubscribe(this.channel).catch(() => {});
  }

  private deliver(message: string): void {
    let reply: ChatReply;
    try {
      reply = JSON.parse(message) as ChatReply;
    } catch {
      return;
    }
    this.route(reply);
  }

  /** A reply or stream message, to whoever waits for its request. */
  private route(reply: ChatReply): void {
    const listener = this.listening.get(reply.requestId);
    if (listener) {
      listener(reply);
      return;
    }
    const entry = this.waiting.get(reply.requestId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(reply.requestId);
    entry.resolve(reply);
  }
}
