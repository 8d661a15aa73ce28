import type { JobsOptions } from 'bullmq';

/** Batch lifecycle jobs: start (fan out into chunks), expire, sweep, finalize. */
export const batchControlQueueName = 'batch-control';

/** A provider's batch lines, in chunks; its workers share the provider's concurrency with sync calls. */
export function batchChunkQueueName(provider: string): string {
  return `batch-${provider}`;
}

export type BatchControlJob =
  | { type: 'start'; batchId: string }
  | { type: 'expire'; batchId: string }
  | { type: 'sweep'; batchId: string }
  | { type: 'finalize'; batchId: string };

export interface BatchChunkJob {
  batchId: string;
  provider: string;
  /** Line numbers as inclusive `[from, to]` runs. */
  ranges: Array<[number, number]>;
}

/** Ids are deterministic so a re-run start or a duplicate trigger never adds the same work twice. */
export function controlJobOptions(job: BatchControlJob, delayMs = 0): JobsOptions {
  return {
    jobId: `${job.type}-${job.batchId}`,
    delay: delayMs,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function chunkJobOptions(job: BatchChunkJob): JobsOptions {
  return {
    jobId: `${job.batchId}-${job.provider}-${job.ranges[0]?.[0] ?? 0}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** Redis key whose value (`cancelled` | `expired`) tells chunk workers to stop starting lines. */
export function batchStopKey(prefix: string, batchId: string): string {
  return `${prefix}:batch-stop:${batchId}`;
}

export type BatchStopReason = 'cancelled' | 'expired';
