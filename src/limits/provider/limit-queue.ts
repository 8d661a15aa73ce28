import type { TrafficClass } from './provider-limits.ts';

/** One attempt at every limit of a call: a holder id when taken, else how long to wait (-1: unknown). */
export type LimitAttempt = { acquired: true; holder: string } | { acquired: false; waitMs: number; reason: string };

/** How waiters sleep between attempts. */
export interface WaitTiming {
  /**
   * Batch waiters retry this much after a known wait ends (a window slot freeing, a pause ending), so
   * interactive waiters of every process, retrying right on time, take the slot first.
   */
  batchDelayMs: number;
  /** Polls while the wait is unknown and no release is announced: from `min`, doubling to `max`. */
  pollMs: Record<TrafficClass, { min: number; max: number }>;
  /** Longest single sleep even when the wait is known, should the limits change meanwhile. */
  maxSleepMs: number;
}

export const defaultWaitTiming: WaitTiming = {
  batchDelayMs: 25,
  pollMs: { interactive: { min: 5, max: 100 }, batch: { min: 20, max: 250 } },
  maxSleepMs: 5_000,
};

export interface LimitQueueOptions {
  attempt(trafficClass: TrafficClass, tokens: number): Promise<LimitAttempt>;
  /** Gives back what was taken for a waiter that gave up while its attempt was on its way. */
  giveBack(trafficClass: TrafficClass, holder: string, tokens: number): void;
  /** How many more calls this process may start under its own cap (0: full). */
  localRoom(): number;
  timing: WaitTiming;
  /** The error a waiter gets when its deadline passes. */
  timeoutError(trafficClass: TrafficClass, waitedMs: number, reason: string): Error;
}

interface Waiter {
  trafficClass: TrafficClass;
  tokens: number;
  startedAt: number;
  done: boolean;
  resolve(holder: string): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/**
 * The waiters of one process for one provider model. Only the head (interactive before batch, FIFO
 * within a class) asks Redis, and sleeps until the time Redis computed in between, so a process
 * sends at most one attempt per refusal however many calls wait. A call finding nobody waiting tries
 * at once (the common, unsaturated case). A release announced by any process, or made by this one,
 * wakes a head that waits for one.
 */
export class LimitQueue {
  private readonly waiting: Record<TrafficClass, Waiter[]> = { interactive: [], batch: [] };
  private pumping = false;
  private wakeSleeper: (() => void) | undefined;
  private pollStep = 0;
  /** The head's last refusal had no known end (concurrency, or a window held by calls in flight). */
  private waitsForRelease = false;
  private lastReason = 'its limits';

  constructor(private readonly options: LimitQueueOptions) {}

  get size(): number {
    return this.waiting.interactive.length + this.waiting.batch.length;
  }

  /** Resolves with a holder id once every limit is taken; rejects after `maxWaitMs`. */
  async acquire(trafficClass: TrafficClass, tokens: number, maxWaitMs: number): Promise<string> {
    const startedAt = performance.now();
    if (this.size === 0 && this.options.localRoom() > 0) {
      const first = await this.options.attempt(trafficClass, tokens);
      if (first.acquired) return first.holder;
      this.lastReason = first.reason;
    }
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = { trafficClass, tokens, startedAt, done: false, resolve, reject };
      const remaining = Math.max(0, maxWaitMs - (performance.now() - startedAt));
      waiter.timer = setTimeout(() => {
        this.finish(waiter)?.reject(this.options.timeoutError(trafficClass, Math.round(performance.now() - startedAt), this.lastReason));
      }, remaining);
      this.waiting[trafficClass].push(waiter);
      if (!this.pumping) void this.pump();
      // A first interactive waiter overtakes batch waiters: try for it now rather than after their sleep.
      else if (trafficClass === 'interactive' && this.waiting.interactive.length === 1) this.wake();
    });
  }

  /** A release (here or in another process): a head waiting for one tries again now. */
  onRelease(): void {
    if (this.waitsForRelease) this.wake();
  }

  /** Fails every waiter (the process is closing). */
  close(error: Error): void {
    for (const waiter of [...this.waiting.interactive, ...this.waiting.batch]) this.finish(waiter)?.reject(error);
    this.wake();
  }

  private head(): Waiter | undefined {
    return this.waiting.interactive[0] ?? this.waiting.batch[0];
  }

  /** Takes the waiter out of the queue; undefined when it was already done. */
  private finish(waiter: Waiter): Waiter | undefined {
    if (waiter.done) return undefined;
    waiter.done = true;
    clearTimeout(waiter.timer);
    const list = this.waiting[waiter.trafficClass];
    const index = list.indexOf(waiter);
    if (index >= 0) list.splice(index, 1);
    return waiter;
  }

  /**
   * Up to this many waiters are tried at once (the limiter admits them in order in one script call),
   * so a busy provider is not held to one grant per Redis round trip.
   */
  private static readonly maxParallelAttempts = 64;

  /** The next waiters to try, interactive before batch, FIFO within a class. */
  private heads(count: number): Waiter[] {
    return [...this.waiting.interactive, ...this.waiting.batch].slice(0, count);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.head()) {
        const room = this.options.localRoom();
        if (room <= 0) {
          this.waitsForRelease = true;
          await this.sleep(this.pollDelay(this.head()?.trafficClass ?? 'batch'));
          continue;
        }
        const heads = this.heads(Math.min(room, LimitQueue.maxParallelAttempts));
        const attempts = await Promise.all(
          heads.map((head) =>
            this.options.attempt(head.trafficClass, head.tokens).then(
              (attempt) => ({ attempt }),
              (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
            ),
          ),
        );
        let refusal: { trafficClass: TrafficClass; waitMs: number } | undefined;
        attempts.forEach((result, index) => {
          const head = heads[index]!;
          if ('error' in result) {
            this.finish(head)?.reject(result.error);
            return;
          }
          const { attempt } = result;
          if (attempt.acquired) {
            // The waiter may have timed out while the attempt was on its way: give the slot back.
            if (head.done) this.options.giveBack(head.trafficClass, attempt.holder, head.tokens);
            else this.finish(head)?.resolve(attempt.holder);
            return;
          }
          this.lastReason = attempt.reason;
          if (!head.done) refusal ??= { trafficClass: head.trafficClass, waitMs: attempt.waitMs };
        });
        if (!refusal) {
          this.pollStep = 0;
          this.waitsForRelease = false;
          continue;
        }
        await this.sleep(this.delay(refusal.trafficClass, refusal.waitMs));
      }
    } finally {
      this.pumping = false;
    }
  }

  private delay(trafficClass: TrafficClass, waitMs: number): number {
    if (waitMs < 0) {
      this.waitsForRelease = true;
      return this.pollDelay(trafficClass);
    }
    this.waitsForRelease = false;
    this.pollStep = 0;
    const extra = trafficClass === 'batch' ? this.options.timing.batchDelayMs : 0;
    return Math.min(waitMs + extra, this.options.timing.maxSleepMs);
  }

  private pollDelay(trafficClass: TrafficClass): number {
    const { min, max } = this.options.timing.pollMs[trafficClass];
    const delay = Math.min(max, min * 2 ** this.pollStep);
    this.pollStep = Math.min(this.pollStep + 1, 20);
    return delay;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeSleeper === done) this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }

  private wake(): void {
    this.wakeSleeper?.();
  }
}
