/**
 * Rate and ETA from (time, done) samples over a sliding window, so the ETA follows the batch's
 * current pace rather than its average since submit (queue waits at the start would skew that).
 */
export class ThroughputEstimate {
  private readonly samples: Array<{ atMs: number; done: number }> = [];

  /**
   * @param windowMs how far back the rate looks. @defaultValue 20000
   * @param minSpanMs no rate before the samples span this long: the first second of a batch (queueing,
   * the first chunk starting) says little about its pace. @defaultValue 2000
   */
  constructor(
    private readonly windowMs = 20_000,
    private readonly minSpanMs = 2_000,
  ) {}

  add(atMs: number, done: number): void {
    this.samples.push({ atMs, done });
    // Keep one sample at or before the window's start, so the window is always spanned.
    while (this.samples.length > 2 && this.samples[1]!.atMs <= atMs - this.windowMs) this.samples.shift();
  }

  /** Requests per second; undefined until the samples span `minSpanMs`. */
  ratePerSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.atMs - first.atMs < Math.max(this.minSpanMs, 1)) return undefined;
    return ((last.done - first.done) * 1000) / (last.atMs - first.atMs);
  }

  /** Seconds until `total`; undefined while there is no rate (or it is zero). */
  etaSeconds(total: number): number | undefined {
    const last = this.samples.at(-1);
    const rate = this.ratePerSecond();
    if (!last || rate === undefined) return undefined;
    if (last.done >= total) return 0;
    return rate > 0 ? (total - last.done) / rate : undefined;
  }
}

/** `850 ms`, `12.3 s`, `4m 05s`, `2h 10m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** `0.4`, `12.5`, `1,234` requests a second. */
export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '–';
  return rate < 100 ? rate.toFixed(1) : Math.round(rate).toLocaleString('en-US');
}
