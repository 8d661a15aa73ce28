import type { RedisClient } from '../redis/redis-connections.ts';
import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../providers/chat-stream.ts';
import { estimateUsage } from '../providers/estimate-usage.ts';
import { CompletionAssembler } from '../providers/stream/assemble-completion.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import { StreamPublisher } from '../queues/stream-messages.ts';

export type StreamCancelReason = 'client_disconnected' | 'client_gone';

/**
 * The streamed calls running in this worker process, by request id, so a cancel message from the API
 * (the client disconnected) aborts the right provider call and frees its slot.
 */
export class ActiveStreams {
  private readonly running = new Map<string, StreamRun>();

  register(run: StreamRun): () => void {
    this.running.set(run.requestId, run);
    return () => {
      if (this.running.get(run.requestId) === run) this.running.delete(run.requestId);
    };
  }

  cancel(requestId: string): boolean {
    const run = this.running.get(requestId);
    run?.cancel('client_disconnected');
    return run !== undefined;
  }

  get size(): number {
    return this.running.size;
  }
}

/**
 * One streamed call on one route: publishes chunks to the API process as they come, keeps what was
 * sent (to record, bill and cache it), and aborts the call when the client goes away — or when no
 * first chunk came by the request's deadline (after it, a long answer may take as long as it takes).
 */
export class StreamRun {
  readonly requestId: string;
  private readonly controller = new AbortController();
  private readonly assembler = new CompletionAssembler();
  private readonly publisher: StreamPublisher;
  private readonly firstChunkTimer: NodeJS.Timeout | undefined;
  private readonly unregister: () => void;
  private readonly firstTrail: RouteAttempt[];
  cancelReason: StreamCancelReason | undefined;

  constructor(options: {
    requestId: string;
    redis: RedisClient;
    channel: string;
    streams: ActiveStreams;
    /** The trail so far with the serving route last: sent with the first chunk, for the headers. */
    trail: RouteAttempt[];
    deadline: number | undefined;
  }) {
    this.requestId = options.requestId;
    this.firstTrail = options.trail;
    this.publisher = new StreamPublisher(options.redis, options.channel, options.requestId, () => this.cancel('client_gone'));
    if (options.deadline !== undefined) {
      this.firstChunkTimer = setTimeout(() => this.controller.abort(new Error('no first chunk before the deadline')), Math.max(1, options.deadline - Date.now()));
    }
    this.unregister = options.streams.register(this);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Chunks already on their way to the client: from here on, no retry and no fallback. */
  get started(): boolean {
    return this.publisher.sent > 0;
  }

  readonly onChunks = (chunks: ChatCompletionChunk[]): void => {
    clearTimeout(this.firstChunkTimer);
    this.assembler.push(chunks);
    this.publisher.chunks(chunks, this.firstTrail);
  };

  cancel(reason: StreamCancelReason): void {
    if (this.controller.signal.aborted) return;
    this.cancelReason = reason;
    this.controller.abort(new Error(`stream cancelled: ${reason}`));
  }

  /** What reached the client of a broken-off stream, and its usage counted from the text. */
  partial(request: ChatCompletionRequest, fallback: { id: string; model: string; created: number }): { completion: ChatCompletion; usage: TokenUsage } {
    const completion = this.assembler.completion(fallback);
    return { completion, usage: estimateUsage(request, completion) };
  }

  end(fields: Parameters<StreamPublisher['end']>[0]): Promise<void> {
    return this.publisher.end(fields);
  }

  close(): void {
    clearTimeout(this.firstChunkTimer);
    this.unregister();
  }
}
