import { setMaxListeners } from 'node:events';
import type { Logger } from '../logging/logger.ts';

/**
 * The drain of one process on SIGTERM/SIGINT. From `begin()`: `/readyz` answers 503 (`draining`), so
 * load balancers stop routing; after `drainDelayMs` the listener closes and in-flight requests are
 * answered while the workers go on; at the deadline (`shutdownTimeoutMs` after the signal) the
 * `handBack` signal fires: workers stop what they still hold and put those jobs back on their queues
 * (never failed, never billed), then the deadline's callbacks run (the API answers callers still
 * waiting with 503).
 */
export class Shutdown {
  private readonly handBackController = new AbortController();
  private readonly deadlineCallbacks: Array<() => Promise<void> | void> = [];
  private beganAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadlineReached: Promise<void> | undefined;

  constructor(private readonly options: { shutdownTimeoutMs: number; drainDelayMs: number; logger: Logger }) {
    // Every call in flight listens to it (its slot wait, its HTTP request): hundreds at once is normal.
    setMaxListeners(0, this.handBackController.signal);
  }

  get draining(): boolean {
    return this.beganAt !== undefined;
  }

  /** Fires at the deadline: processors hand back the jobs they hold (see `hand-back.ts`). */
  get handBack(): AbortSignal {
    return this.handBackController.signal;
  }

  /** Milliseconds until the deadline (the whole timeout before the drain began). */
  get remainingMs(): number {
    return this.beganAt === undefined ? this.options.shutdownTimeoutMs : Math.max(0, this.beganAt + this.options.shutdownTimeoutMs - Date.now());
  }

  get drainDelayMs(): number {
    return Math.min(this.options.drainDelayMs, this.options.shutdownTimeoutMs);
  }

  /** Runs at the deadline, after the workers were told to hand back, in registration order. */
  onDeadline(callback: () => Promise<void> | void): void {
    this.deadlineCallbacks.push(callback);
  }

  /** Starts the drain (idempotent). */
  begin(): void {
    if (this.beganAt !== undefined) return;
    this.beganAt = Date.now();
    this.timer = setTimeout(() => void this.reachDeadline(), this.options.shutdownTimeoutMs);
    this.timer.unref();
  }

  /** The drain is over (everything closed in time): the deadline will not fire. */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private reachDeadline(): Promise<void> {
    this.deadlineReached ??= (async () => {
      this.options.logger.warn({ shutdownTimeoutMs: this.options.shutdownTimeoutMs }, 'drain deadline reached: handing unfinished jobs back to their queues');
      this.handBackController.abort(new Error('the process is shutting down'));
      // Jobs take a Redis round trip to get back to their queues; callers of this process whose jobs
      // are still queued are answered after that, so their jobs can be taken off the queue.
      await new Promise((resolve) => setTimeout(resolve, handBackGraceMs));
      for (const callback of this.deadlineCallbacks) {
        await Promise.resolve()
          .then(callback)
          .catch((error: unknown) => this.options.logger.error({ err: error }, 'a drain deadline step failed'));
      }
    })();
    return this.deadlineReached;
  }
}

const handBackGraceMs = 1000;
