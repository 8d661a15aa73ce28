import { echoCompletion, openaiError, type RecordedRequest, type ScriptedResponse } from './openai-wire-server.ts';

export interface Arrival {
  /** Epoch ms when the request arrived. */
  at: number;
  /** The `x-worker` header: which gateway process sent it. */
  worker: string;
  /** The address it came from (on a test network, each process has its own). */
  address?: string | undefined;
}

/**
 * A provider's own rate limit at its strictest: a request is answered 429 when `limit` requests were
 * already accepted in the sliding window of `windowMs` ending at its arrival — any window, not fixed
 * minutes. Rejected requests do not count.
 */
export class StrictSlidingWindow {
  readonly accepted: Arrival[] = [];
  readonly rejected: Arrival[] = [];
  /** Index of the first accepted arrival still inside the window (arrivals come in time order). */
  private first = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  admit(arrival: Arrival): boolean {
    while (this.first < this.accepted.length && (this.accepted[this.first]?.at ?? 0) <= arrival.at - this.windowMs) this.first += 1;
    if (this.accepted.length - this.first >= this.limit) {
      this.rejected.push(arrival);
      return false;
    }
    this.accepted.push(arrival);
    return true;
  }
}

/**
 * A provider's cap on calls in flight at once: a request arriving while `limit` are still unanswered
 * is refused. Refused requests do not count.
 */
export class StrictConcurrency {
  readonly rejected: Arrival[] = [];
  inFlight = 0;
  /** The most in flight at once. */
  peak = 0;

  constructor(readonly limit: number) {}

  /** True when the call may go ahead; then {@link leave} once it is answered. */
  enter(arrival: Arrival): boolean {
    if (this.inFlight >= this.limit) {
      this.rejected.push(arrival);
      return false;
    }
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    return true;
  }

  leave(): void {
    this.inFlight -= 1;
  }
}

/**
 * Answers an OpenAI chat call through the window (and the concurrency cap, when given): the echo
 * completion, or 429 with Retry-After.
 */
export function strictlyLimited(window: StrictSlidingWindow, options: { maxDelayMs?: number; concurrency?: StrictConcurrency } = {}) {
  const refused = () => openaiError(429, { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after': '1' });
  return (request: RecordedRequest): ScriptedResponse => {
    const arrival = { at: Date.now(), worker: String(request.headers['x-worker'] ?? 'unknown'), address: request.remoteAddress };
    // Jitter between arrival and answer: a limiter spacing calls from when they were sent, not from
    // when they completed, would show up here as 429s.
    const delayMs = Math.floor(Math.random() * (options.maxDelayMs ?? 0));
    const { concurrency } = options;
    if (concurrency && !concurrency.enter(arrival)) return { ...refused(), delayMs };
    const leave = () => concurrency?.leave();
    if (!window.admit(arrival)) return { ...refused(), delayMs, onSent: leave };
    return { ...echoCompletion(request), delayMs, onSent: leave };
  };
}

/**
 * How full the limit was kept: the accepted count in every window `[start, start + windowMs)` lying
 * inside `[from, to]` (default: the first and last arrival), in steps of `stepMs`, as a share of the
 * limit. With a backlog, every such window should hold close to `limit`.
 */
export function windowShares(arrivals: readonly number[], options: { limit: number; windowMs: number; stepMs?: number; from?: number; to?: number }) {
  const times = [...arrivals].sort((a, b) => a - b);
  const first = options.from ?? times[0] ?? 0;
  const last = options.to ?? times[times.length - 1] ?? 0;
  const counts: number[] = [];
  let from = 0;
  let to = 0;
  for (let start = first; start <= last - options.windowMs; start += options.stepMs ?? 10) {
    while (from < times.length && (times[from] ?? 0) < start) from += 1;
    while (to < times.length && (times[to] ?? 0) < start + options.windowMs) to += 1;
    counts.push(to - from);
  }
  const mean = counts.reduce((sum, count) => sum + count, 0) / Math.max(1, counts.length);
  return {
    windows: counts.length,
    mean: mean / options.limit,
    min: Math.min(...counts) / options.limit,
    max: Math.max(...counts) / options.limit,
  };
}
