import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { WebhookNotifier } from '../webhooks/webhook-notifier.ts';
import { parseCompletionWindow, terminalBatchStatuses, toBatchObject, type BatchRow } from './batch-object.ts';
import { createBatchLineChecker, modelOfLine, rangesContain, toRanges } from './batch-line.ts';
import { lineRunsNatively, nativeBatchRefusal } from './batch-mode.ts';
import { NativePartBuilder } from './native-batch-parts.ts';
import { recordProviderBatches, unsettledPartRanges, unsettledProviderBatches, type NewProviderBatch } from './provider-batch-store.ts';
import { nativeBatchLimits } from '../providers/provider-registry.ts';
import { lineNotRun } from './line-not-run.ts';
import {
  batchStopKey,
  chunkJobOptions,
  controlJobOptions,
  nativeBatchJobOptions,
  type BatchChunkJob,
  type BatchControlJob,
  type BatchStopReason,
  type NativeBatchJob,
} from '../queues/batch-queues.ts';
import { recordChunks, type OrderedChunk } from './batch-chunk-store.ts';
import type { BatchLineOutcome, BatchResultWriter } from '../records/batch-result-writer.ts';
import { measureBatchResultFile } from './batch-result-file.ts';
import { loadBatchRow } from './batch-store.ts';
import { newFileId } from '../files/file-record.ts';
import { releaseDeletedFileLines } from '../files/file-store.ts';
import type { Database } from '../db/client.ts';
import { awaitCreation } from '../durability/creation-fence.ts';
import { inJobSpan, noTracing, type TraceSpan, type Tracing } from '../observability/tracing.ts';

export interface BatchControlDependencies {
  config: GatewayConfig;
  pool: pg.Pool;
  db: Database;
  redis: RedisClient;
  prefix: string;
  writer: BatchResultWriter;
  controlQueue: Queue<BatchControlJob>;
  chunkQueue: (provider: string) => Queue<BatchChunkJob>;
  /** Provider batches (native parts): one polling job each. */
  nativeQueue: Queue<NativeBatchJob>;
  webhooks: WebhookNotifier;
  logger: Logger;
  /** How long after a cancel or expiry in-flight lines may still finish before the sweep. */
  sweepGraceMs: number;
  /** A span per step; the chunks a start step queues carry its context. @defaultValue no tracing */
  tracing?: Tracing;
}

const pageSize = 5000;

/**
 * Fair share between batches on one provider queue: a chunk's BullMQ priority is its ordinal within
 * its batch (lower runs first; FIFO within a priority). Every batch's first chunk comes before any
 * batch's second, and so on, so the queue serves batches round-robin: a 100-line batch submitted
 * behind a 1M-line one waits for one chunk of it, not for all of it. Capped at BullMQ's maximum,
 * past which the tails of huge batches share one priority, FIFO.
 */
export function fairSharePriority(ordinal: number): number {
  return Math.min(Math.max(1, ordinal), maxChunkPriority);
}

/** BullMQ's largest priority (2^21 - 1). */
const maxChunkPriority = 2_097_151;

/** The batch lifecycle: start → chunks → (expire | cancel → sweep) → finalize. Every step is idempotent. */
export function createBatchControlProcessor(dependencies: BatchControlDependencies) {
  const { pool, redis, prefix, config } = dependencies;
  const tracing = dependencies.tracing ?? noTracing;

  return async function processBatchControl(job: Job<BatchControlJob>): Promise<void> {
    const attributes = { 'gateway.batch.id': job.data.batchId, 'gateway.batch.step': job.data.type };
    const start = () => ({ queue: job.queueName, jobId: job.id ?? '', traceparent: job.data.traceparent, attempt: job.attemptsMade + 1, attributes });
    return inJobSpan(tracing, start, (span) => runStep(job, span));
  };

  async function runStep(job: Job<BatchControlJob>, span: TraceSpan): Promise<void> {
    // The start job is queued before its batch row commits: wait for that transaction to end.
    if (job.data.type === 'start') await awaitCreation(pool, job.data.batchId);
    const batch = await loadBatchRow(pool, job.data.batchId);
    if (!batch || terminalBatchStatuses.has(batch.status)) return;
    const logger = dependencies.logger.child({ batchId: batch.id, step: job.data.type });
    switch (job.data.type) {
      case 'start':
        return start(batch, logger, span.traceparent);
      case 'expire':
        return stopBatch(batch, 'expired');
      case 'sweep':
        return sweep(batch);
      case 'finalize':
        return finalize(batch, logger);
    }
  }

  /** Pages through the input file (never all of it in memory) and fans lines out per provider; its chunks carry `traceparent`. */
  async function start(batch: BatchRow, logger: Logger, traceparent: string | undefined): Promise<void> {
    await pool.query("UPDATE batches SET status = 'in_progress', in_progress_at = coalesce(in_progress_at, now()) WHERE id = $1 AND status = 'validating'", [batch.id]);
    // Cancelled (or expired) before it started: nothing is in flight, so every line can be marked at once.
    if (batch.stopReason) return sweep(batch);
    const checkLine = createBatchLineChecker(config, { endpoint: batch.endpoint });
    const pending = new Map<string, number[]>();
    const chunks: OrderedChunk[] = [];
    const chunkCounts = new Map<string, number>();
    const flushProvider = (provider: string) => {
      const lines = pending.get(provider);
      if (lines && lines.length > 0) {
        const ordinal = (chunkCounts.get(provider) ?? 0) + 1;
        chunkCounts.set(provider, ordinal);
        chunks.push({ job: { batchId: batch.id, provider, ranges: toRanges(lines) }, ordinal });
      }
      pending.set(provider, []);
    };
    // Lines bound for their providers' batch APIs, grouped into provider batches as they are read.
    const windowMs = parseCompletionWindow(batch.completionWindow) ?? 0;
    const natives = new NativePartBuilder(batch.id, (provider) => nativeBatchLimits(config.providers[provider]!));
    const parts: NewProviderBatch[] = [];
    let total = 0;
    // Line numbers are dense (1..n): fixed windows keep every page an index range scan, where
    // `> after ORDER BY … LIMIT` can be planned as a scan and sort of the rest of the file.
    for (let from = 1; from <= batch.totalCount; from += pageSize) {
      const { rows } = await pool.query<{ line_number: number; custom_id: string; content: string }>(
        'SELECT line_number, custom_id, content FROM file_lines WHERE file_id = $1 AND line_number BETWEEN $2 AND $3 ORDER BY line_number',
        [batch.inputFileId, from, from + pageSize - 1],
      );
      const refused: BatchLineOutcome[] = [];
      for (const row of rows) {
        // A line that cannot run fails here, at once (`batches.onInvalidLines: fail_lines`, or a config
        // changed since the batch was created): it waits in no queue and reaches no provider.
        const line = checkLine(row.content);
        if (!line.ok) {
          refused.push(
            lineNotRun({
              batch,
              line: { lineNumber: row.line_number, customId: row.custom_id },
              model: line.model,
              status: 'failed',
              statusCode: line.statusCode,
              errorCode: line.code,
              errorMessage: line.message,
            }),
          );
          continue;
        }
        const operation = line.operation ?? 'chat';
        if (lineRunsNatively({ config, mode: batch.mode, windowMs, provider: line.provider, operation })) {
          const closed = natives.add({ lineNumber: row.line_number, provider: line.provider, operation, upstreamModel: line.upstreamModel, bytes: Buffer.byteLength(row.content) + 64 });
          if (closed) parts.push(closed);
          continue;
        }
        if (batch.mode === 'native') {
          // Checked when the batch was created; the config has changed since (a provider's nativeBatch turned off).
          refused.push(
            lineNotRun({
              batch,
              line: { lineNumber: row.line_number, customId: row.custom_id },
              model: line.model,
              status: 'failed',
              statusCode: 400,
              errorCode: 'native_batch_unavailable',
              errorMessage: `This batch runs through providers' batch APIs only, and this request cannot: ${nativeBatchRefusal(config, line.provider, operation) ?? 'its window is under 24h'}.`,
            }),
          );
          continue;
        }
        const lines = pending.get(line.provider) ?? [];
        lines.push(row.line_number);
        pending.set(line.provider, lines);
        if (lines.length >= config.batches.chunkSize) flushProvider(line.provider);
      }
      total += rows.length;
      await Promise.all(refused.map((outcome) => dependencies.writer.record(outcome)));
      await addChunks(batch.id, chunks.splice(0), traceparent);
      await addParts(parts.splice(0));
    }
    for (const provider of pending.keys()) flushProvider(provider);
    await addChunks(batch.id, chunks.splice(0), traceparent);
    await addParts(natives.finish());
    // From here the chunks' rows say what is left to do; a start step re-run before this re-adds the rest.
    await pool.query('UPDATE batches SET fanned_out_at = now() WHERE id = $1', [batch.id]);
    logger.info({ lines: total }, 'batch fanned out');
    if (total === 0) await dependencies.controlQueue.add('finalize', { type: 'finalize', batchId: batch.id }, controlJobOptions({ type: 'finalize', batchId: batch.id }));
  }

  /** Records the chunks, then queues those not done yet (all of them, unless this start step is a re-run). */
  async function addChunks(batchId: string, chunks: OrderedChunk[], traceparent: string | undefined): Promise<void> {
    const toQueue = await recordChunks(pool, batchId, chunks);
    const byProvider = new Map<string, OrderedChunk[]>();
    for (const chunk of toQueue) byProvider.set(chunk.job.provider, [...(byProvider.get(chunk.job.provider) ?? []), chunk]);
    for (const [provider, ordered] of byProvider) {
      const traced = traceparent === undefined ? {} : { traceparent };
      await dependencies
        .chunkQueue(provider)
        .addBulk(ordered.map(({ job, ordinal }) => ({ name: 'chunk', data: { ...job, ...traced }, opts: { ...chunkJobOptions(job), priority: fairSharePriority(ordinal) } })));
    }
  }

  /** Records provider batches, then queues the polling job of each not settled yet (all, unless this start step is a re-run). */
  async function addParts(parts: NewProviderBatch[]): Promise<void> {
    const toQueue = new Set(await recordProviderBatches(pool, parts));
    const jobs = parts.filter((part) => toQueue.has(part.id)).map((part) => ({ partId: part.id, batchId: part.batchId }));
    if (jobs.length > 0) await dependencies.nativeQueue.addBulk(jobs.map((job) => ({ name: 'native', data: job, opts: nativeBatchJobOptions(job) })));
  }

  /** Expiry: recorded, then chunk workers stop starting lines at once; the sweep catches what is left. */
  async function stopBatch(batch: BatchRow, reason: BatchStopReason): Promise<void> {
    const { rows } = await pool.query<{ stop_reason: BatchStopReason }>('UPDATE batches SET stop_reason = coalesce(stop_reason, $2) WHERE id = $1 RETURNING stop_reason', [batch.id, reason]);
    await redis.set(batchStopKey(prefix, batch.id), rows[0]?.stop_reason ?? reason);
    await dependencies.controlQueue.add('sweep', { type: 'sweep', batchId: batch.id }, controlJobOptions({ type: 'sweep', batchId: batch.id }, dependencies.sweepGraceMs));
  }

  /** Records every line still without a result as cancelled or expired, then finalizes. */
  async function sweep(batch: BatchRow): Promise<void> {
    const reason = batch.stopReason ?? 'expired';
    // Lines still at a provider's batch API are its polling job's: it cancels that batch and keeps what finished.
    const atProviders = await unsettledPartRanges(pool, batch.id);
    await promoteNativeJobs(batch.id);
    for (let from = 1; from <= batch.totalCount; from += pageSize) {
      const { rows } = await pool.query<{ line_number: number; custom_id: string; content: string }>(
        `SELECT fl.line_number, fl.custom_id, fl.content FROM file_lines fl
         WHERE fl.file_id = $1 AND fl.line_number BETWEEN $2 AND $3
           AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.batch_id = $4 AND r.line_number = fl.line_number)
         ORDER BY fl.line_number`,
        [batch.inputFileId, from, from + pageSize - 1, batch.id],
      );
      await Promise.all(
        rows
          .filter((row) => !rangesContain(atProviders, row.line_number))
          .map((row) =>
            dependencies.writer.record(
              lineNotRun({
                batch,
                line: { lineNumber: row.line_number, customId: row.custom_id },
                model: modelOfLine(row.content),
                status: reason,
                statusCode: null,
                errorCode: reason === 'cancelled' ? 'batch_cancelled' : 'batch_expired',
                errorMessage: reason === 'cancelled' ? 'The batch was cancelled before this request ran.' : 'The batch expired before this request ran.',
              }),
            ),
          ),
      );
    }
    // Through the queue, never directly: one finalize job per batch at a time (its id is fixed).
    await dependencies.controlQueue.add('finalize', { type: 'finalize', batchId: batch.id }, controlJobOptions({ type: 'finalize', batchId: batch.id }));
  }

  /** A stopped batch's provider batches are polled now rather than at their next interval, so they are cancelled at once. */
  async function promoteNativeJobs(batchId: string): Promise<void> {
    for (const { id } of await unsettledProviderBatches(pool, [batchId])) {
      const job = await dependencies.nativeQueue.getJob(id);
      if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
    }
  }

  async function finalize(batch: BatchRow, logger: Logger): Promise<void> {
    if (batch.completedCount + batch.failedCount < batch.totalCount) return;
    const reason = batch.stopReason;
    await pool.query("UPDATE batches SET status = 'finalizing', finalizing_at = coalesce(finalizing_at, now()) WHERE id = $1", [batch.id]);
    const output = batch.completedCount > 0 ? await createResultFile(batch, 'batch_output') : null;
    const errors = batch.failedCount > 0 ? await createResultFile(batch, 'batch_error') : null;
    const status = reason ?? 'completed';
    const stamp = status === 'cancelled' ? 'cancelled_at' : status === 'expired' ? 'expired_at' : 'completed_at';
    const { rows } = await pool.query<{ id: string }>(
      `UPDATE batches SET status = $2, ${stamp} = now(), output_file_id = $3, error_file_id = $4
       WHERE id = $1 AND status = 'finalizing' RETURNING id`,
      [batch.id, status, output, errors],
    );
    if (rows.length === 0) return;
    await redis.del(batchStopKey(prefix, batch.id));
    // An input file deleted while this batch ran keeps its lines until now.
    await releaseDeletedFileLines(dependencies.db, batch.inputFileId);
    // The expiry timer is moot now; drop it rather than keep a delayed job for up to the whole window.
    if (status !== 'expired') await dependencies.controlQueue.remove(controlJobOptions({ type: 'expire', batchId: batch.id }).jobId ?? '').catch(() => 0);
    const final = await loadBatchRow(pool, batch.id);
    logger.info({ status, completed: batch.completedCount, failed: batch.failedCount }, 'batch finalized');
    if (final) {
      await dependencies.webhooks.notify({ projectId: final.projectId, url: final.webhookUrl, type: `batch.${status}`, subjectId: final.id, data: toBatchObject(final) });
    }
  }

  async function createResultFile(batch: BatchRow, kind: 'batch_output' | 'batch_error'): Promise<string> {
    const existing = await pool.query<{ id: string }>('SELECT id FROM files WHERE batch_id = $1 AND kind = $2', [batch.id, kind]);
    if (existing.rows[0]) return existing.rows[0].id;
    const { bytes, lines } = await measureBatchResultFile(pool, batch.id, kind);
    const id = newFileId();
    await pool.query(
      `INSERT INTO files (id, project_id, filename, purpose, kind, bytes, line_count, batch_id)
       VALUES ($1, $2, $3, 'batch_output', $4, $5, $6, $7)`,
      [id, batch.projectId, `${batch.id}_${kind === 'batch_output' ? 'output' : 'error'}.jsonl`, kind, bytes, lines, batch.id],
    );
    return id;
  }
}
