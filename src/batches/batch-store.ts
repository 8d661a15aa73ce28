import { randomInt } from 'node:crypto';
import type pg from 'pg';
import type { BatchRow } from './batch-object.ts';

const columns = `id, project_id, api_key_id, endpoint, input_file_id, completion_window, status, output_file_id,
  error_file_id, errors, metadata, webhook_url, total_count, completed_count, failed_count, prompt_tokens,
  completion_tokens, cost, created_at, in_progress_at, expires_at, finalizing_at, completed_at, failed_at,
  expired_at, cancelling_at, cancelled_at, stop_reason, fanned_out_at, mode, deleted_at`;

interface RawBatchRow {
  id: string;
  project_id: string;
  api_key_id: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: BatchRow['status'];
  output_file_id: string | null;
  error_file_id: string | null;
  errors: unknown;
  metadata: unknown;
  webhook_url: string | null;
  total_count: number;
  completed_count: number;
  failed_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: string;
  created_at: Date;
  in_progress_at: Date | null;
  expires_at: Date;
  finalizing_at: Date | null;
  completed_at: Date | null;
  failed_at: Date | null;
  expired_at: Date | null;
  cancelling_at: Date | null;
  cancelled_at: Date | null;
  stop_reason: BatchRow['stopReason'];
  fanned_out_at: Date | null;
  mode: BatchRow['mode'];
  deleted_at: Date | null;
}

function fromRaw(row: RawBatchRow): BatchRow {
  return {
    id: row.id,
    projectId: row.project_id,
    apiKeyId: row.api_key_id,
    endpoint: row.endpoint,
    inputFileId: row.input_file_id,
    completionWindow: row.completion_window,
    status: row.status,
    outputFileId: row.output_file_id,
    errorFileId: row.error_file_id,
    errors: row.errors,
    metadata: row.metadata,
    webhookUrl: row.webhook_url,
    totalCount: row.total_count,
    completedCount: row.completed_count,
    failedCount: row.failed_count,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cost: row.cost,
    createdAt: row.created_at,
    inProgressAt: row.in_progress_at,
    expiresAt: row.expires_at,
    finalizingAt: row.finalizing_at,
    completedAt: row.completed_at,
    failedAt: row.failed_at,
    expiredAt: row.expired_at,
    cancellingAt: row.cancelling_at,
    cancelledAt: row.cancelled_at,
    stopReason: row.stop_reason,
    fannedOutAt: row.fanned_out_at,
    mode: row.mode,
    deletedAt: row.deleted_at,
  };
}

/** Plain pg (not drizzle's builder) because workers read batches on their hot path. */
export async function loadBatchRow(pool: pg.Pool | pg.PoolClient, batchId: string, projectId?: string): Promise<BatchRow | undefined> {
  const { rows } = await pool.query<RawBatchRow>(`SELECT ${columns} FROM batches WHERE id = $1 AND ($2::text IS NULL OR project_id = $2)`, [batchId, projectId ?? null]);
  return rows[0] ? fromRaw(rows[0]) : undefined;
}

/**
 * A project's batches not deleted, newest first, keyset on (created_at, id): the page after the batch
 * `after`, or the page just before the batch `before` (newer ones); those of one `endpoint` when given.
 */
export async function listBatchRows(
  pool: pg.Pool,
  options: { projectId: string; after?: string | undefined; before?: string | undefined; endpoint?: string | undefined; limit: number },
): Promise<BatchRow[]> {
  const newer = options.before !== undefined;
  const { rows } = await pool.query<RawBatchRow>(
    `SELECT ${columns} FROM batches b WHERE project_id = $1 AND deleted_at IS NULL AND ($4::text IS NULL OR endpoint = $4)
       AND ($2::text IS NULL OR (created_at, id) ${newer ? '>' : '<'} (SELECT created_at, id FROM batches WHERE id = $2 AND project_id = $1))
     ORDER BY created_at ${newer ? 'ASC' : 'DESC'}, id ${newer ? 'ASC' : 'DESC'} LIMIT $3`,
    [options.projectId, options.before ?? options.after ?? null, options.limit, options.endpoint ?? null],
  );
  const batches = rows.map(fromRaw);
  return newer ? batches.reverse() : batches;
}

/** Marks an ended batch deleted; false when it is not there (or already deleted). */
export async function markBatchDeleted(pool: pg.Pool, batchId: string, projectId: string): Promise<boolean> {
  const { rowCount } = await pool.query('UPDATE batches SET deleted_at = now() WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL', [batchId, projectId]);
  return rowCount === 1;
}

export async function insertBatchRow(
  pool: pg.Pool | pg.PoolClient,
  batch: {
    id: string;
    projectId: string;
    apiKeyId: string;
    inputFileId: string;
    /** The path every line calls. */
    endpoint: string;
    completionWindow: string;
    expiresAt: Date;
    metadata: Record<string, string> | null;
    webhookUrl: string | null;
    totalCount: number;
    mode: BatchRow['mode'];
  },
): Promise<BatchRow> {
  const { rows } = await pool.query<RawBatchRow>(
    `INSERT INTO batches (id, project_id, api_key_id, endpoint, input_file_id, completion_window, status, expires_at, metadata, webhook_url, total_count, mode)
     VALUES ($1, $2, $3, $10, $4, $5, 'validating', $6, $7, $8, $9, $11) RETURNING ${columns}`,
    [
      batch.id,
      batch.projectId,
      batch.apiKeyId,
      batch.inputFileId,
      batch.completionWindow,
      batch.expiresAt,
      batch.metadata === null ? null : JSON.stringify(batch.metadata),
      batch.webhookUrl,
      batch.totalCount,
      batch.endpoint,
      batch.mode,
    ],
  );
  return fromRaw(rows[0]!);
}

/** Moves a running batch to `cancelling`; undefined when it is not cancellable (finished, or stopped by its expiry). */
export async function markCancelling(pool: pg.Pool, batchId: string, projectId: string): Promise<BatchRow | undefined> {
  const { rows } = await pool.query<RawBatchRow>(
    `UPDATE batches SET status = 'cancelling', cancelling_at = now(), stop_reason = 'cancelled'
     WHERE id = $1 AND project_id = $2 AND status IN ('validating', 'in_progress') AND stop_reason IS NULL AND deleted_at IS NULL RETURNING ${columns}`,
    [batchId, projectId],
  );
  return rows[0] ? fromRaw(rows[0]) : undefined;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `batch_` + 24 alphanumerics, the shape OpenAI's batch ids have. */
export function newBatchId(): string {
  let id = 'batch_';
  for (let index = 0; index < 24; index += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}
