import type { ChatReply, ReplyListener } from '../queues/reply-channel.ts';
import type { StreamMessage } from '../queues/stream-messages.ts';

export type StreamReceived = ChatReply | StreamMessage;

/**
 * The API end of one streamed request: the worker's messages for it, in arrival order, one at a time.
 * `next` resolves undefined when nothing came in time or the reception was closed (client gone).
 */
export class StreamReception {
  private readonly received: StreamReceived[] = [];
  private waiter: ((message: StreamReceived | undefined) => void) | undefined;
  private readonly stopListening: () => void;
  private closed = false;
  private heard = false;

  constructor(
    replies: ReplyListener,
    requestId: string,
    private readonly onClose?: () => void,
  ) {
    this.stopListening = replies.listen(requestId, (message) => this.push(message as StreamReceived));
  }

  /** Whether anything arrived from the worker yet (a stream not started can be queued again). */
  get heardFrom(): boolean {
    return this.heard;
  }

  next(timeoutMs: number): Promise<StreamReceived | undefined> {
    const queued = this.received.shift();
    if (queued || this.closed) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (message) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(message);
      };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.waiter?.(undefined);
    this.onClose?.();
  }

  private push(message: StreamReceived): void {
    this.heard = true;
    if (this.waiter) this.waiter(message);
    else this.received.push(message);
  }
}
