import Big from 'big.js';
import { DelayedError, type Job, type Queue } from 'bullmq';
import type pg from 'pg';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { ProviderError } from '../errors/provider-error.ts';
import { providerErrorToGatewayError } from '../execution/provider-error-mapping.ts';
import type { Logger } from '../logging/logger.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchSubmission } from '../providers/native-batch/native-batch-capability.ts';
import type { BatchResultWriter } from '../records/batch-result-writer.ts';
import { chunkJobOptions, type BatchChunkJob, type NativeBatchJob } from '../queues/batch-queues.ts';
import { terminalBatchStatuses, type BatchRow } from './batch-object.ts';
import { loadBatchRow } from './batch-store.ts';
import { recordChunks, type OrderedChunk } from './batch-chunk-store.ts';
import { fairSharePriority } from './batch-control-processor.ts';
import { toRanges } from './batch-line.ts';
import { lineNotRun } from './line-not-run.ts';
import { readPartLines, type PartLine } from './native-batch-lines.ts';
import { ingestProviderBatch, PartPricing } from './native-batch-ingest.ts';
import {
  knownProviderBatchIds,
  loadProviderBatch,
  markSubmitting,
  recordCancelRequested,
  recordProviderFile,
  recordProviderStatus,
  recordSubmitted,
  settleProviderBatch,
  type ProviderBatchRow,
} from './provider-batch-store.ts';
import type { SpendReservations } from '../limits/tenant/spend-reservations.ts';
import type { TenantBudgetGate } from '../limits/tenant/tenant-budget-gate.ts';

export interface NativeBatchDependencies {
  config: GatewayConfig;
  pool: pg.Pool;
  providers: ReadonlyMap<string, ProviderClient>;
  writer: BatchResultWriter;
  /** Where lines go when a provider refuses them (`auto` mode) or leaves them unfinished (`onUnfinished: gateway`). */
  chunkQueue: (provider: string) => Queue<BatchChunkJob>;
  /** Spend budgets: a part is not sent while its key or project is over one. */
  budgetGate?: TenantBudgetGate;
  /** A submitted part holds its estimated cost against the budgets until its results are in. */
  reservations?: SpendReservations;
  logger: Logger;
}

/** Failed steps in a row after which a part that keeps failing without hope of a retry gives up. */
const maxHopelessFailures = 10;

/** How long one step (an upload, a create, reading a results file) may take before it is tried again. */
const stepTimeoutMs = 30 * 60_000;

type Step = 'poll' | 'done';

/**
 * The life of a provider batch, one BullMQ job each, re-run until it is done: submit (upload + create,
 * recorded before and after, and looked for before a second attempt: a line is never sent twice), poll
 * every `nativeBatch.pollIntervalMs` (the job waits delayed in between: no process holds it), cancel
 * when the gateway batch is cancelled or expires, then read the results in. A failed step is tried
 * again with backoff; a provider that refuses the batch sends its lines to the gateway's workers
 * (`auto`) or fails them (`native`).
 */
export function createNativeBatchProcessor(dependencies: NativeBatchDependencies) {
  const { pool, config } = dependencies;

  return async function processNativeBatch(job: Job<NativeBatchJob>, token?: string): Promise<void> {
    const part = await loadProviderBatch(pool, job.data.partId);
    if (!part || part.status === 'ingested' || part.status === 'refused') return;
    const batch = await loadBatchRow(pool, part.batchId);
    if (!batch || terminalBatchStatuses.has(batch.status)) return;
    const logger = dependencies.logger.child({ batchId: batch.id, partId: part.id, provider: part.provider });
    const settings = Object.hasOwn(config.providers, part.provider) ? config.providers[part.provider] : undefined;
    const capability = dependencies.providers.get(part.provider)?.nativeBatch;
    if (!settings || !capability) {
      await sendElsewhere(part, batch, new GatewayError({ code: 'native_batch_unavailable', message: `provider '${part.provider}' has no batch API in this worker's config.` }), logger);
      return;
    }
    const pollMs = settings.nativeBatch?.pollIntervalMs ?? 60_000;
    let next: Step;
    try {
      next = await step(part, batch, capability, settings, logger);
    } catch (error) {
      const failures = (job.data.failures ?? 0) + 1;
      const hopeless = (ProviderError.is(error) && !error.retryable) || batch.stopReason !== null;
      if (hopeless && failures >= maxHopelessFailures) {
        logger.error({ err: error, failures }, 'provider batch given up: its lines without a result fail');
        await giveUp(part, batch, error, logger);
        return;
      }
      logger.warn({ err: error, failures }, 'provider batch step failed; trying again');
      await job.updateData({ ...job.data, failures });
      return later(job, token, Math.min(pollMs, 1000 * 2 ** Math.min(failures, 12)));
    }
    if (next === 'done') return;
    if (job.data.failures) await job.updateData({ partId: job.data.partId, batchId: job.data.batchId });
    return later(job, token, pollMs);
  };

  async function later(job: Job<NativeBatchJob>, token: string | undefined, delayMs: number): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  async function step(part: ProviderBatchRow, batch: BatchRow, capability: NativeBatchCapability, settings: ProviderConfig, logger: Logger): Promise<Step> {
    const signal = AbortSignal.timeout(stepTimeoutMs);
    if (part.status !== 'submitted' || part.providerBatchId === null) {
      if (batch.stopReason !== null) {
        // A create sent before the stop may have happened: then it is cancelled there like any other.
        if (await foundAfterLostCreate(part, capability, signal, logger)) return 'poll';
        // Stopped before it reached the provider: nothing to cancel there.
        await recordLines(part, batch, (line) => notRunOutcome(batch, line, batch.stopReason ?? 'expired'));
        await settleProviderBatch(pool, part.id, 'ingested');
        return 'done';
      }
      return (await submit(part, batch, capability, signal, logger)) ? 'poll' : 'done';
    }
    const providerBatchId = part.providerBatchId;
    if (batch.stopReason !== null && part.cancelRequestedAt === null) {
      await capability.cancel(providerBatchId, signal).catch((error: unknown) => {
        // Already ended (or ending) at the provider: what it has is read in below.
        if (!ProviderError.is(error) || error.retryable) throw error;
        logger.info({ err: error }, 'provider batch cancel refused; reading what it has');
      });
      await recordCancelRequested(pool, part.id);
      logger.info({ providerBatchId, reason: batch.stopReason }, 'provider batch cancel requested');
    }
    const snapshot = await capability.retrieve(providerBatchId, signal);
    await recordProviderStatus(pool, part.id, snapshot.providerStatus, snapshot.state !== 'running');
    if (snapshot.state === 'running') return 'poll';
    if (snapshot.state === 'failed') {
      const reasons = snapshot.errors.length > 0 ? snapshot.errors.join('; ') : `status ${snapshot.providerStatus}`;
      await sendElsewhere(part, batch, new GatewayError({ code: 'provider_error', message: `provider "${part.provider}" failed its batch ${providerBatchId}: ${reasons}` }), logger);
      return 'done';
    }
    const sendBackUnfinished = settings.nativeBatch?.onUnfinished === 'gateway' && batch.stopReason === null && batch.expiresAt.getTime() > Date.now();
    const started = Date.now();
    const result = await ingestProviderBatch({ pool, writer: dependencies.writer, config, logger, part, batch, snapshot, capability, signal, sendBackUnfinished, stopReason: batch.stopReason });
    if (result.unfinished.length > 0) await toGateway(part, batch, result.unfinished);
    await settleProviderBatch(pool, part.id, 'ingested', result.ignored > 0 ? [`${result.ignored} result lines named no line of this batch and were ignored`] : []);
    await dependencies.reservations?.release(batch, part.id);
    logger.info(
      { providerBatchId, state: snapshot.state, recorded: result.recorded, sentToGateway: result.unfinished.length, ignored: result.ignored, ms: Date.now() - started },
      'provider batch read in',
    );
    return 'done';
  }

  /** Upload and create, each recorded; answers false when the provider refused the part (its lines went elsewhere). */
  async function submit(part: ProviderBatchRow, batch: BatchRow, capability: NativeBatchCapability, signal: AbortSignal, logger: Logger): Promise<boolean> {
    if (await foundAfterLostCreate(part, capability, signal, logger)) return true;
    const owner = { apiKeyId: batch.apiKeyId, projectId: batch.projectId };
    const verdict = await dependencies.budgetGate?.exceeded(owner);
    if (verdict) {
      const error = new GatewayError({ code: 'budget_exceeded', message: `Not sent to provider "${part.provider}": a spend budget is reached.` });
      await recordLines(part, batch, (line) => failedOutcome(batch, line, error));
      await settleProviderBatch(pool, part.id, 'refused', [error.message]);
      return false;
    }
    await markSubmitting(pool, part.id);
    const pricing = new PartPricing(config, part);
    let invalid: PartLine[] = [];
    let estimated = new Big(0);
    const submission: NativeBatchSubmission = {
      partId: part.id,
      operation: part.operation,
      upstreamModel: part.upstreamModel,
      lineCount: part.lineCount,
      lines: async function* (): AsyncIterable<NativeBatchLine> {
        invalid = [];
        estimated = new Big(0);
        for await (const line of readPartLines(pool, part, batch)) {
          if (!line.ok) {
            invalid.push(line);
            continue;
          }
          estimated = estimated.plus(pricing.estimate(line.model, line.line));
          yield line.line;
        }
      },
    };
    try {
      let fileId = part.providerFileId ?? undefined;
      if (capability.upload && fileId === undefined) {
        fileId = (await capability.upload(submission, signal)).fileId;
        await recordProviderFile(pool, part.id, fileId);
      }
      const { providerBatchId } = await capability.create({ ...submission, fileId }, signal);
      await recordSubmitted(pool, part.id, providerBatchId);
      logger.info({ providerBatchId, lines: part.lineCount }, 'provider batch created');
    } catch (error) {
      if (ProviderError.is(error) && !error.retryable) {
        await sendElsewhere(part, batch, providerErrorToGatewayError(error), logger);
        return false;
      }
      throw error;
    }
    // Lines that could not be sent at all fail on their own (a config changed since the batch was checked).
    await dependencies.writer.recordMany(invalid.map((line) => failedOutcome(batch, line, new GatewayError({ code: 'invalid_request_body', message: line.ok ? '' : line.message }))));
    await dependencies.reservations?.reserve(batch, part.id, estimated.toFixed(10));
    return true;
  }

  /** The last attempt sent a create and heard nothing back: the provider batch it may have made, recorded if found. */
  async function foundAfterLostCreate(part: ProviderBatchRow, capability: NativeBatchCapability, signal: AbortSignal, logger: Logger): Promise<boolean> {
    if (part.status !== 'submitting' || part.submitStartedAt === null) return false;
    const excludeIds = await knownProviderBatchIds(pool, part.provider, part.submitStartedAt);
    const found = await capability.findCreated(
      { partId: part.id, fileId: part.providerFileId ?? undefined, createdAfter: part.submitStartedAt, lineCount: part.lineCount, upstreamModel: part.upstreamModel, excludeIds },
      signal,
    );
    if (found === undefined) return false;
    await recordSubmitted(pool, part.id, found);
    logger.info({ providerBatchId: found }, 'provider batch of an unanswered create found; not created again');
    return true;
  }

  /**
   * The provider will not run the part (a refused create, a failed batch): in `auto` mode its lines run
   * on the gateway's workers; in `native` mode, or once the batch is stopped, they fail with the reason.
   */
  async function sendElsewhere(part: ProviderBatchRow, batch: BatchRow, reason: GatewayError, logger: Logger): Promise<void> {
    if (batch.mode === 'auto' && batch.stopReason === null) {
      logger.warn({ reason: reason.message }, "provider batch refused; its lines run on the gateway's workers");
      await toGateway(part, batch, expand(part.ranges));
    } else {
      logger.warn({ reason: reason.message }, 'provider batch refused; its lines fail');
      await recordLines(part, batch, (line) => failedOutcome(batch, line, reason));
    }
    await settleProviderBatch(pool, part.id, 'refused', [reason.message]);
    await dependencies.reservations?.release(batch, part.id);
  }

  /** After repeated failures the provider batch is left: lines still without a result fail (or, in `auto`, run on the workers). */
  async function giveUp(part: ProviderBatchRow, batch: BatchRow, error: unknown, logger: Logger): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const { rows } = await pool.query<{ line_number: number }>('SELECT line_number FROM requests WHERE batch_id = $1 AND line_number = ANY($2::int[])', [batch.id, expand(part.ranges)]);
    const done = new Set(rows.map((row) => row.line_number));
    const left = { ...part, ranges: toRanges(expand(part.ranges).filter((line) => !done.has(line))) };
    await sendElsewhere(
      left,
      batch,
      new GatewayError({ code: 'provider_error', message: `provider "${part.provider}" batch ${part.providerBatchId ?? '(not created)'} could not be completed: ${message}` }),
      logger,
    );
  }

  async function toGateway(part: Pick<ProviderBatchRow, 'provider'>, batch: BatchRow, unordered: number[]): Promise<void> {
    // In line order: a chunk's ranges run upwards (results come in the provider's order).
    const lineNumbers = [...unordered].sort((a, b) => a - b);
    const size = config.batches.chunkSize;
    const chunks: OrderedChunk[] = [];
    for (let start = 0; start < lineNumbers.length; start += size) {
      chunks.push({ job: { batchId: batch.id, provider: part.provider, ranges: toRanges(lineNumbers.slice(start, start + size)) }, ordinal: chunks.length + 1 });
    }
    const toQueue = await recordChunks(pool, batch.id, chunks);
    if (toQueue.length === 0) return;
    await dependencies.chunkQueue(part.provider).addBulk(toQueue.map(({ job, ordinal }) => ({ name: 'chunk', data: job, opts: { ...chunkJobOptions(job), priority: fairSharePriority(ordinal) } })));
  }

  /** Writes an outcome for every line of the part, page by page. */
  async function recordLines(part: ProviderBatchRow, batch: BatchRow, outcomeOf: (line: PartLine) => ReturnType<typeof lineNotRun>): Promise<void> {
    let outcomes: Array<ReturnType<typeof lineNotRun>> = [];
    for await (const line of readPartLines(pool, part, batch)) {
      outcomes.push(outcomeOf(line));
      if (outcomes.length >= 1000) {
        await dependencies.writer.recordMany(outcomes);
        outcomes = [];
      }
    }
    await dependencies.writer.recordMany(outcomes);
  }
}

function expand(ranges: ReadonlyArray<readonly [number, number]>): number[] {
  const lines: number[] = [];
  for (const [from, to] of ranges) for (let line = from; line <= to; line += 1) lines.push(line);
  return lines;
}

function notRunOutcome(batch: BatchRow, line: PartLine, reason: 'cancelled' | 'expired') {
  return lineNotRun({
    batch,
    line,
    model: line.model,
    status: reason,
    statusCode: null,
    errorCode: reason === 'cancelled' ? 'batch_cancelled' : 'batch_expired',
    errorMessage: reason === 'cancelled' ? 'The batch was cancelled before this request ran.' : 'The batch expired before this request ran.',
  });
}

function failedOutcome(batch: BatchRow, line: PartLine, error: GatewayError) {
  return lineNotRun({ batch, line, model: line.model, status: 'failed', statusCode: error.status, errorCode: error.answerCode, errorMessage: error.message });
}
