import { chatCompletionsPath } from '../operations/chat/chat-operation.ts';
import { queuePrefix } from '../queues/queue-prefix.ts';
import type { BatchEndpoint } from '../formats/batch-line-formats.ts';
import { Queue } from 'bullmq';
import { reportErrors } from '../redis/redis-connections.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import type { Principal } from '../auth/api-key-store.ts';
import type { GatewayConfig, OnInvalidLines } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { formatErrorLine, formatOutputLine, renderBatchAnswers } from '../files/batch-result-lines.ts';
import { toResultRow, type RequestResultRow } from '../files/file-content-stream.ts';
import { parseCompletionWindow, terminalBatchStatuses, toBatchObject, type BatchObject, type BatchRow } from './batch-object.ts';
import { batchControlQueueName, batchStopKey, controlJobOptions, sweepGraceMs, type BatchControlJob } from '../queues/batch-queues.ts';
import { inTransaction } from '../db/transaction.ts';
import { storeJsonlLines } from '../files/inline-batch-file.ts';
import { fenceCreation } from '../durability/creation-fence.ts';
import { insertBatchRow, listBatchRows, loadBatchRow, markBatchDeleted, markCancelling, newBatchId } from './batch-store.ts';
import { findInvalidLines, invalidLinesError, notNativeError } from './find-invalid-lines.ts';
import { batchModeHeader, nativeBatchMinWindowMs, nativeBatchRefusal, type BatchMode } from './batch-mode.ts';
import type { OperationName } from '../operations/registry.ts';
import { noTraceSpan, type TraceSpan } from '../observability/tracing.ts';

export interface CreateBatchInput {
  principal: Principal;
  inputFileId: string;
  /** The path every line calls (`/v1/chat/completions`, `/v1/embeddings`, `/v1/responses`, `/v1/messages`). @defaultValue chat completions */
  endpoint?: BatchEndpoint | undefined;
  completionWindow: string;
  metadata: Record<string, string> | null;
  webhookUrl: string | null;
  /** What to do with lines that cannot run (the body's `on_invalid_lines`). @defaultValue `batches.onInvalidLines` */
  onInvalidLines?: OnInvalidLines | undefined;
  /** Where its lines run (the `x-gateway-batch-mode` header). @defaultValue `batches.mode` */
  mode?: BatchMode | undefined;
  /**
   * Runs in the batch's transaction once the batch is created, before the commit (an idempotency key
   * completed with it); if it throws, nothing is created.
   */
  within?: (client: pg.PoolClient, batch: BatchObject) => Promise<void>;
  /** The create request's span: the batch's control steps, chunks and sampled lines are in its trace. */
  trace?: TraceSpan | undefined;
}

/** The API side of batches: create, read, list, cancel and page through results. */
export class BatchApi {
  private readonly controlQueue: Queue<BatchControlJob>;

  constructor(private readonly options: { pool: pg.Pool; redis: RedisClient; prefix: string; config: GatewayConfig; logger: Logger }) {
    this.controlQueue = new Queue<BatchControlJob>(batchControlQueueName, { connection: options.redis, prefix: queuePrefix(options.prefix, batchControlQueueName) });
    reportErrors(this.controlQueue, `queue ${batchControlQueueName}`, options.logger);
  }

  async create(input: CreateBatchInput): Promise<BatchObject> {
    return inTransaction(this.options.pool, async (client) => {
      const batch = await this.createWithin(client, input);
      await input.within?.(client, batch);
      return batch;
    });
  }

  /**
   * An inline batch (an extension): its requests are stored as a file of kind `inline`, and the batch
   * is created in the same transaction, so a refusal anywhere leaves neither behind.
   */
  async createInline(input: Omit<CreateBatchInput, 'inputFileId'> & { requests: unknown[]; maxRequests: number }): Promise<BatchObject> {
    completionWindowMs(input.completionWindow);
    let created: BatchObject | undefined;
    await storeJsonlLines({
      pool: this.options.pool,
      projectId: input.principal.projectId,
      requests: input.requests,
      maxLines: input.maxRequests,
      ...(input.endpoint ? { url: input.endpoint } : {}),
      within: async (client, file) => {
        created = await this.createWithin(client, { ...input, inputFileId: file.id });
        await input.within?.(client, created);
      },
    });
    if (!created) throw new Error('the inline batch was stored without its batch');
    return created;
  }

  /**
   * Creates the batch inside the caller's transaction (an inline batch's file is written in the same
   * one) and queues its start and expiry before the caller commits, behind a creation fence: if the
   * queue refuses, the caller rolls back and nothing exists; if the commit fails, the start step finds
   * no batch and does nothing.
   */
  async createWithin(client: pg.PoolClient, input: CreateBatchInput): Promise<BatchObject> {
    const windowMs = completionWindowMs(input.completionWindow);
    // FOR SHARE: a concurrent delete of the input file waits until the batch row exists (and then
    // keeps the lines for it), instead of removing the lines under a batch being created.
    const { rows: files } = await client.query<{ id: string; purpose: string; kind: string; line_count: number }>(
      'SELECT id, purpose, kind, line_count FROM files WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL FOR SHARE',
      [input.inputFileId, input.principal.projectId],
    );
    const file = files[0];
    if (!file) throw new GatewayError({ code: 'not_found', message: `No file with id '${input.inputFileId}'.`, param: 'input_file_id' });
    if (file.purpose !== 'batch' || (file.kind !== 'upload' && file.kind !== 'inline')) {
      throw new GatewayError({ code: 'invalid_request_body', message: `File '${file.id}' has purpose '${file.purpose}'; a batch needs a file uploaded with purpose 'batch'.`, param: 'input_file_id' });
    }
    if (file.line_count === 0) {
      throw new GatewayError({ code: 'invalid_request_body', message: `File '${file.id}' has no requests.`, param: 'input_file_id' });
    }
    const { config } = this.options;
    const mode = input.mode ?? config.batches.mode;
    if (mode === 'native' && windowMs < nativeBatchMinWindowMs) {
      throw new GatewayError({
        code: 'native_batch_unavailable',
        message: `${batchModeHeader}: native needs a completion_window of at least 24h (providers' batch APIs take up to 24 hours); '${input.completionWindow}' is shorter.`,
        param: 'completion_window',
      });
    }
    // Every line is checked before anything is queued; with `fail_lines` the start step fails them instead.
    const reject = (input.onInvalidLines ?? config.batches.onInvalidLines) === 'reject';
    if (reject || mode === 'native') {
      const invalid = await findInvalidLines({
        client,
        fileId: file.id,
        lineCount: file.line_count,
        config,
        endpoint: input.endpoint ?? chatCompletionsPath,
        ...(mode === 'native' ? { notNative: (line: { provider: string; operation: OperationName }) => nativeBatchRefusal(config, line.provider, line.operation) } : {}),
      });
      if (reject && invalid.count > 0) throw invalidLinesError(invalid, { inline: file.kind === 'inline' });
      if (invalid.notNative.count > 0) throw notNativeError(invalid, { inline: file.kind === 'inline' });
    }
    const batch = await insertBatchRow(client, {
      id: newBatchId(),
      projectId: input.principal.projectId,
      apiKeyId: input.principal.apiKeyId,
      inputFileId: file.id,
      endpoint: input.endpoint ?? chatCompletionsPath,
      completionWindow: input.completionWindow,
      expiresAt: new Date(Date.now() + windowMs),
      metadata: input.metadata,
      webhookUrl: input.webhookUrl,
      totalCount: file.line_count,
      mode,
    });
    await fenceCreation(client, batch.id);
    const send = (input.trace ?? noTraceSpan).startEnqueue({ queue: batchControlQueueName, jobId: `start-${batch.id}` });
    try {
      const traced = send.traceparent === undefined ? {} : { traceparent: send.traceparent };
      const start: BatchControlJob = { type: 'start', batchId: batch.id, ...traced };
      const expire: BatchControlJob = { type: 'expire', batchId: batch.id, ...traced };
      await this.controlQueue.addBulk([
        { name: 'start', data: start, opts: controlJobOptions(start) },
        { name: 'expire', data: expire, opts: controlJobOptions(expire, windowMs) },
      ]);
      send.end();
    } catch (error) {
      send.end({ error });
      throw new GatewayError({ code: 'service_unavailable', message: 'The job queue (Redis) is unavailable; the batch was not created. Retry shortly.' });
    }
    return toBatchObject(batch);
  }

  async get(principal: Principal, batchId: string): Promise<BatchObject> {
    return toBatchObject(await this.row(principal, batchId));
  }

  /** The batch's row, if this project has it and it is not deleted; else 404. */
  async row(principal: Principal, batchId: string, /** Inside a transaction (a batch being created). */ client?: pg.PoolClient): Promise<BatchRow> {
    const batch = await loadBatchRow(client ?? this.options.pool, batchId, principal.projectId);
    if (!batch || batch.deletedAt !== null) throw notFound(batchId);
    return batch;
  }

  async list(principal: Principal, page: { after?: string | undefined; limit: number }) {
    const { rows, hasMore } = await this.listRows(principal, page);
    const data = rows.map(toBatchObject);
    return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: hasMore };
  }

  /** A page of the project's batches, newest first: after `after`, or just before (newer than) `before`; of one endpoint when given. */
  async listRows(
    principal: Principal,
    page: { after?: string | undefined; before?: string | undefined; endpoint?: string | undefined; limit: number },
  ): Promise<{ rows: BatchRow[]; hasMore: boolean }> {
    const rows = await listBatchRows(this.options.pool, { projectId: principal.projectId, after: page.after, before: page.before, endpoint: page.endpoint, limit: page.limit + 1 });
    // The extra row that tells there is more is the farthest one: the newest when paging towards newer batches.
    const kept = page.before === undefined ? rows.slice(0, page.limit) : rows.slice(Math.max(0, rows.length - page.limit));
    return { rows: kept, hasMore: rows.length > page.limit };
  }

  /**
   * How the lines that did not succeed ended, per batch: run and failed, never run because of a cancel,
   * or of the window's end. One query for the batches that have any such line.
   */
  async unsuccessfulCounts(batches: readonly BatchRow[]): Promise<Map<string, { failed: number; cancelled: number; expired: number }>> {
    const counts = new Map(batches.map((batch) => [batch.id, { failed: 0, cancelled: 0, expired: 0 }]));
    const withFailures = batches.filter((batch) => batch.failedCount > 0).map((batch) => batch.id);
    if (withFailures.length === 0) return counts;
    const { rows } = await this.options.pool.query<{ batch_id: string; status: 'failed' | 'cancelled' | 'expired'; count: number }>(
      `SELECT batch_id, status, count(*)::int AS count FROM requests WHERE batch_id = ANY($1::text[]) AND status IN ('failed', 'cancelled', 'expired') GROUP BY batch_id, status`,
      [withFailures],
    );
    for (const row of rows) counts.get(row.batch_id)![row.status] = row.count;
    return counts;
  }

  /** Deletes an ended batch: hidden from every batch route from now on; its requests and usage stay. */
  async delete(principal: Principal, batchId: string): Promise<BatchRow> {
    const batch = await this.row(principal, batchId);
    if (!terminalBatchStatuses.has(batch.status)) {
      throw new GatewayError({ code: 'batch_not_ended', message: `Batch '${batchId}' is still ${batch.status}; only an ended batch can be deleted. Cancel it first.`, param: 'batch_id' });
    }
    if (!(await markBatchDeleted(this.options.pool, batchId, principal.projectId))) throw notFound(batchId);
    return batch;
  }

  /** Unstarted lines stop; finished ones stay in the output file; `cancelled` once in-flight lines end. */
  async cancel(principal: Principal, batchId: string): Promise<BatchObject> {
    const cancelling = await markCancelling(this.options.pool, batchId, principal.projectId);
    if (!cancelling) {
      const batch = await this.row(principal, batchId);
      throw new GatewayError({ code: 'batch_not_cancellable', message: `Cannot cancel a batch with status '${batch.status}'.`, param: 'batch_id' });
    }
    // The cancel is recorded: from here, RedisClient only makes it take effect sooner. If Redis is away, the
    // reconciler writes the stop key and queues the sweep from the record once it is back.
    try {
      await this.options.redis.set(batchStopKey(this.options.prefix, batchId), 'cancelled');
      const sweep: BatchControlJob = { type: 'sweep', batchId };
      // Chunks still queued mark their lines cancelled as they come up; the sweep is the safety net.
      await this.controlQueue.add('sweep', sweep, controlJobOptions(sweep, sweepGraceMs(this.options.config)));
    } catch (error) {
      this.options.logger.warn({ err: error, batchId }, 'batch cancel recorded; Redis unavailable, the reconciler will apply it');
    }
    return toBatchObject(cancelling);
  }

  /** Results as JSON pages (an extension to OpenAI's API): available while the batch runs. */
  async results(principal: Principal, batchId: string, page: { after?: string | undefined; limit: number }) {
    const batch = await this.row(principal, batchId);
    const { rows } = await this.options.pool.query<RequestResultRow>(
      `SELECT id, custom_id, status, status_code, error_code, error_message, response::text AS response_json, line_number, model, created_at, completed_at FROM requests
       WHERE batch_id = $1 AND line_number > coalesce((SELECT line_number FROM requests WHERE id = $2 AND batch_id = $1), 0)
       ORDER BY line_number LIMIT $3`,
      [batchId, page.after ?? null, page.limit + 1],
    );
    const rendered = await renderBatchAnswers(this.options.pool, batch, rows.slice(0, page.limit).map(toResultRow));
    const data = rendered.map((result) => {
      const line = JSON.parse(result.status === 'completed' ? formatOutputLine(result) : formatErrorLine(result)) as object;
      return { ...line, line: result.lineNumber, status: result.status };
    });
    return { object: 'list' as const, data, first_id: rows[0]?.id ?? null, last_id: rows[Math.min(rows.length, page.limit) - 1]?.id ?? null, has_more: rows.length > page.limit };
  }

  async close(): Promise<void> {
    await this.controlQueue.close();
  }
}

function completionWindowMs(value: string): number {
  const windowMs = parseCompletionWindow(value);
  if (windowMs === undefined) {
    throw new GatewayError({
      code: 'invalid_request_body',
      message: "completion_window must be a duration such as '24h' (also '30s', '90m', '7d'; from 1 second to 30 days).",
      param: 'completion_window',
    });
  }
  return windowMs;
}

function notFound(batchId: string): GatewayError {
  return new GatewayError({ code: 'not_found', message: `No batch with id '${batchId}'.`, param: 'batch_id' });
}
