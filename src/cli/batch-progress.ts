import { SingleBar } from 'cli-progress';
import type { Batch } from './gateway-schemas.ts';
import { formatDuration, formatRate, ThroughputEstimate } from './throughput-estimate.ts';

export interface BatchProgressOptions {
  /** @defaultValue process.stderr */
  stream?: NodeJS.WriteStream;
  /** When the stream is not a TTY, one plain line this often. @defaultValue 2000 */
  plainIntervalMs?: number;
}

/**
 * The live progress of a batch: a redrawn bar on a terminal; on a pipe or a CI log (cli-progress's
 * TTY detection) one plain line every few seconds instead, with no escape codes.
 */
export class BatchProgress {
  private readonly bar: SingleBar;
  private readonly estimate = new ThroughputEstimate();
  private started = false;

  constructor(options: BatchProgressOptions = {}) {
    const stream = options.stream ?? process.stderr;
    const tty = stream.isTTY === true;
    this.bar = new SingleBar({
      stream,
      format: tty
        ? '{bar} {percentage}% | {doneText}/{totalText} | {completed} completed, {failed} failed | {rate} req/s | ETA {remaining} | {status}'
        : '{batchId} {status}: {doneText}/{totalText} ({percentage}%) | {completed} completed, {failed} failed | {rate} req/s | ETA {remaining}',
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      // Off a terminal the last line is already ended; keep the bar on one.
      clearOnComplete: !tty,
      noTTYOutput: true,
      notTTYSchedule: options.plainIntervalMs ?? 2000,
      etaBuffer: 1,
    });
  }

  update(batch: Batch, nowMs = Date.now()): void {
    const { total, completed, failed } = batch.request_counts;
    const done = completed + failed;
    this.estimate.add(nowMs, done);
    const eta = this.estimate.etaSeconds(total);
    const count = (value: number) => value.toLocaleString('en-US');
    const payload = {
      batchId: batch.id,
      status: batch.status,
      doneText: count(done),
      totalText: count(total),
      completed: count(completed),
      failed: count(failed),
      rate: formatRate(this.estimate.ratePerSecond()),
      remaining: done >= total ? '0 s' : eta === undefined ? '–' : formatDuration(eta),
    };
    if (!this.started) {
      this.started = true;
      this.bar.start(total, done, payload);
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(done, payload);
  }

  /** Draws the last state and ends the line; safe to call twice. */
  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}
