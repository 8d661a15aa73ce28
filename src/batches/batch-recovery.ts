import type { JobsOptions } from 'bullmq';
import { partsBySlot } from '../redis/key-slots.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { jobPresence } from '../durability/job-presence.ts';
import { keysetPages } from '../durability/keyset-pages.ts';
import type { ReconcileTask } from '../durability/reconciler.ts';
import type { QueueRegistry } from '../queues/queue-registry.ts';
import { pendingChunks } from './batch-chunk-store.ts';
import { fairSharePriority } from './batch-control-processor.ts';
import {
  batchChunkQueueName,
  batchControlQueueName,
  batchStopKey,
  chunkJobId,
  chunkJobOptions,
  controlJobOptions,
  nativeBatchJobOptions,
  nativeBatchQueueName,
  sweepGraceMs,
  type BatchChunkJob,
  type BatchControlJob,
  type BatchStopReason,
  type NativeBatchJob,
} from '../queues/batch-queues.ts';
import { unsettledProviderBatches } from './provider-batch-store.ts';

interface UnfinishedBatch {
  id: string;
  status: 'validating' | 'in_progress' | 'finalizing' | 'cancelling';
  stop_reason: BatchStopReason | null;
  fanned_out: boolean;
  settled: boolean;
  /** Milliseconds from now: until the window ends, and until a stopped batch's sweep is due. */
  expires_in_ms: number;
  sweep_in_ms: number;
}

/** A job the batch needs in Redis, as its step would have queued it. */
interface WantedJob {
  queue: string;
  id: string;
  name: string;
  data: BatchControlJob | BatchChunkJob | NativeBatchJob;
  opts: JobsOptions;
}

const pageSize = 500;

/**
 * The batch engine's work, put back from Postgres: for every batch still running, the step it is
 * waiting for — start (until it has fanned out), its chunks not done, the expiry timer, the sweep of a
 * stopped batch, finalisation once every line has a result — is queued again if Redis does not hold
 * it (or holds it only as failed), under its usual id — and the polling job of every provider batch not
 * settled (it finds its provider id in its row, or looks for a create that may have happened) — and the stop key of a cancelled or expired
 * batch is written back. Lines already done are never re-run: a chunk skips lines with a result.
 */
export function batchRecoveryTask(options: { pool: pg.Pool; redis: RedisClient; prefix: string; queues: QueueRegistry; config: GatewayConfig }): ReconcileTask {
  const { pool, redis, queues } = options;
  const graceMs = sweepGraceMs(options.config);

  return {
    name: 'batches',
    async run(context) {
      let restored = 0;
      const pages = keysetPages<UnfinishedBatch & { cursor: string }>({
        pageSize,
        stillLeader: context.stillLeader,
        fetch: async (after) =>
          (
            await pool.query<UnfinishedBatch & { cursor: string }>(
              `SELECT id, status, stop_reason, fanned_out_at IS NOT NULL AS fanned_out, completed_count + failed_count >= total_count AS settled,
                      (extract(epoch FROM expires_at - now()) * 1000)::bigint AS expires_in_ms,
                      (extract(epoch FROM coalesce(cancelling_at, expires_at) - now()) * 1000)::bigint + $2 AS sweep_in_ms,
                      created_at::text || '|' || id AS cursor
               FROM batches
               WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling')
                 AND ($1::text IS NULL OR (created_at, id) > (split_part($1, '|', 1)::timestamptz, split_part($1, '|', 2)))
               ORDER BY created_at, id LIMIT ${pageSize}`,
              [after ?? null, graceMs],
            )
          ).rows,
      });
      for await (const rows of pages) restored += await restorePage(rows);
      return restored;
    },
  };

  async function restorePage(batches: UnfinishedBatch[]): Promise<number> {
    const wanted: WantedJob[] = [];
    const running = batches.filter((batch) => batch.status === 'in_progress' && batch.fanned_out && batch.stop_reason === null && !batch.settled);
    for (const batch of batches) wanted.push(...controlJobsOf(batch));
    for (const chunk of await pendingChunks(
      pool,
      running.map((batch) => batch.id),
    )) {
      wanted.push({
        queue: batchChunkQueueName(chunk.job.provider),
        id: chunkJobId(chunk.job),
        name: 'chunk',
        data: chunk.job,
        opts: { ...chunkJobOptions(chunk.job), priority: fairSharePriority(chunk.ordinal) },
      });
    }
    // Provider batches still at their providers: their polling jobs (a stopped batch's too: they cancel there).
    const polled = batches.filter((batch) => batch.status !== 'finalizing' && batch.fanned_out);
    for (const part of await unsettledProviderBatches(
      pool,
      polled.map((batch) => batch.id),
    )) {
      const data: NativeBatchJob = { partId: part.id, batchId: part.batchId };
      wanted.push({ queue: nativeBatchQueueName, id: part.id, name: 'native', data, opts: nativeBatchJobOptions(data) });
    }
    // The fast copy of a stop, for chunk workers; the record says so.
    const stopped = batches.filter((batch) => batch.stop_reason !== null);
    // A cluster pipeline stays on one node: there, one pipeline per key's slot.
    for (const part of partsBySlot(redis, stopped, (batch) => batchStopKey(options.prefix, batch.id))) {
      const pipeline = redis.pipeline();
      for (const batch of part) pipeline.set(batchStopKey(options.prefix, batch.id), batch.stop_reason ?? 'expired');
      await pipeline.exec();
    }
    return restoreMissing(wanted);
  }

  /** The control step each batch waits for, if any. */
  function controlJobsOf(batch: UnfinishedBatch): WantedJob[] {
    const control = (type: BatchControlJob['type'], delayMs = 0): WantedJob => {
      const data: BatchControlJob = { type, batchId: batch.id };
      const opts = controlJobOptions(data, Math.max(0, delayMs));
      return { queue: batchControlQueueName, id: String(opts.jobId), name: type, data, opts };
    };
    if (batch.status === 'finalizing') return [control('finalize')];
    if (batch.stop_reason !== null) return [batch.settled ? control('finalize') : control('sweep', Number(batch.sweep_in_ms))];
    const jobs = [control('expire', Number(batch.expires_in_ms))];
    if (batch.status === 'validating' || !batch.fanned_out) jobs.push(control('start'));
    else if (batch.settled) jobs.push(control('finalize'));
    return jobs;
  }

  /** Queues each wanted job Redis does not hold; one that failed for good is replaced. */
  async function restoreMissing(wanted: WantedJob[]): Promise<number> {
    if (wanted.length === 0) return 0;
    const presence = await jobPresence(
      redis,
      wanted.map((job) => queues.jobKey(job.queue, job.id)),
    );
    let restored = 0;
    for (const [index, job] of wanted.entries()) {
      if (presence[index] === 'pending') continue;
      const queue = queues.get<BatchControlJob | BatchChunkJob | NativeBatchJob>(job.queue);
      if (presence[index] === 'finished') await queue.remove(job.id);
      await queue.add(job.name, job.data, job.opts);
      restored += 1;
    }
    return restored;
  }
}
