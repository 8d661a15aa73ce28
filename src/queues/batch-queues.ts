import type { JobsOptions } from 'bullmq';
import type { GatewayConfig } from '../config/gateway-config.ts';

/** Batch lifecycle jobs: start (fan out into chunks), expire, sweep, finalize. */
export const batchControlQueueName = 'batch-control';

/** A provider's batch lines, in chunks; its workers share the provider's concurrency with sync calls. */
export function batchChunkQueueName(provider: string): string {
  return `batch-${provider}`;
}

export type BatchControlJob = ({ type: 'start'; batchId: string } | { type: 'expire'; batchId: string } | { type: 'sweep'; batchId: string } | { type: 'finalize'; batchId: string }) & TracedJob;

export interface BatchChunkJob extends TracedJob {
  batchId: string;
  provider: string;
  /** Line numbers as inclusive `[from, to]` runs. */
  ranges: Array<[number, number]>;
}

/** With tracing on: the W3C `traceparent` of the span that queued the job (absent for jobs the reconciler queues again). */
interface TracedJob {
  traceparent?: string;
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

/** `<batch id>-<provider>-<first line>`: a chunk's one job id, whoever queues it (start step or reconciler). */
export function chunkJobId(job: BatchChunkJob): string {
  return `${job.batchId}-${job.provider}-${job.ranges[0]?.[0] ?? 0}`;
}

export function chunkJobOptions(job: BatchChunkJob): JobsOptions {
  return {
    jobId: chunkJobId(job),
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * Redis key whose value (`cancelled` | `expired`) tells chunk workers to stop starting lines: a fast
 * copy of `batches.stop_reason`, which the reconciler writes back if Redis loses it.
 */
export function batchStopKey(prefix: string, batchId: string): string {
  return `${prefix}:batch-stop:${batchId}`;
}

export type { BatchStopReason } from '../db/schema/batches.ts';

/**
 * How long after a cancel or expiry in-flight lines may still finish before the sweep marks the rest:
 * the slowest provider's call timeout, plus a margin.
 */
export function sweepGraceMs(config: Pick<GatewayConfig, 'providers'>): number {
  return Math.max(...Object.values(config.providers).map((provider) => provider.timeoutMs), 1000) + 5000;
}

/** One job per provider batch (a native part): submits it, polls it, reads its results in. */
export const nativeBatchQueueName = 'batch-native';

export interface NativeBatchJob {
  partId: string;
  batchId: string;
  /** Failed attempts in a row (a provider or network error), for the backoff between them. */
  failures?: number;
}

/** The part id is the job id: the start step and the reconciler queue the same job. Retries are the processor's own. */
export function nativeBatchJobOptions(job: NativeBatchJob, delayMs = 0): JobsOptions {
  return { jobId: job.partId, delay: delayMs, attempts: 1, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } };
}
