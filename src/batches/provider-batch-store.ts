import type pg from 'pg';
import type { ProviderBatchStatus } from '../db/schema/provider-batches.ts';

/** A native part: a provider batch as the gateway records it (see `provider_batches`). */
export interface ProviderBatchRow {
  id: string;
  batchId: string;
  provider: string;
  operation: 'chat' | 'embeddings';
  upstreamModel: string;
  ranges: Array<[number, number]>;
  lineCount: number;
  status: ProviderBatchStatus;
  providerFileId: string | null;
  providerBatchId: string | null;
  providerStatus: string | null;
  submitStartedAt: Date | null;
  submittedAt: Date | null;
  cancelRequestedAt: Date | null;
}

/** A part the start step made, before it is recorded. */
export type NewProviderBatch = Pick<ProviderBatchRow, 'id' | 'batchId' | 'provider' | 'operation' | 'upstreamModel' | 'ranges' | 'lineCount'>;

const columns = `id, batch_id AS "batchId", provider, operation, upstream_model AS "upstreamModel", ranges, line_count AS "lineCount", status,
  provider_file_id AS "providerFileId", provider_batch_id AS "providerBatchId", provider_status AS "providerStatus",
  submit_started_at AS "submitStartedAt", submitted_at AS "submittedAt", cancel_requested_at AS "cancelRequestedAt"`;

/** `pbatch_<batch>_<first line>`: one id per part whoever records it (a re-run start step makes the same parts). */
export function providerBatchPartId(batchId: string, firstLine: number): string {
  return `pbatch_${batchId.slice('batch_'.length)}_${firstLine}`;
}

/** Records parts (a re-run start step's duplicates are ignored); answers the ids not settled, to queue. */
export async function recordProviderBatches(pool: pg.Pool, parts: readonly NewProviderBatch[]): Promise<string[]> {
  if (parts.length === 0) return [];
  await pool.query(
    `INSERT INTO provider_batches (id, batch_id, provider, operation, upstream_model, ranges, line_count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::int[])
     ON CONFLICT (id) DO NOTHING`,
    [
      parts.map((part) => part.id),
      parts.map((part) => part.batchId),
      parts.map((part) => part.provider),
      parts.map((part) => part.operation),
      parts.map((part) => part.upstreamModel),
      parts.map((part) => JSON.stringify(part.ranges)),
      parts.map((part) => part.lineCount),
    ],
  );
  const { rows } = await pool.query<{ id: string }>("SELECT id FROM provider_batches WHERE id = ANY($1) AND status IN ('pending', 'submitting', 'submitted')", [parts.map((part) => part.id)]);
  return rows.map((row) => row.id);
}

export async function loadProviderBatch(pool: pg.Pool, id: string): Promise<ProviderBatchRow | undefined> {
  const { rows } = await pool.query<ProviderBatchRow>(`SELECT ${columns} FROM provider_batches WHERE id = $1`, [id]);
  return rows[0];
}

/** Before an upload or create is sent: from here a retry first looks for what the last attempt may have made. */
export async function markSubmitting(pool: pg.Pool, id: string): Promise<Date> {
  const { rows } = await pool.query<{ started: Date }>(
    "UPDATE provider_batches SET status = 'submitting', submit_started_at = coalesce(submit_started_at, now()) WHERE id = $1 RETURNING submit_started_at AS started",
    [id],
  );
  return rows[0]?.started ?? new Date();
}

export async function recordProviderFile(pool: pg.Pool, id: string, fileId: string): Promise<void> {
  await pool.query('UPDATE provider_batches SET provider_file_id = $2 WHERE id = $1', [id, fileId]);
}

export async function recordSubmitted(pool: pg.Pool, id: string, providerBatchId: string): Promise<void> {
  await pool.query("UPDATE provider_batches SET status = 'submitted', provider_batch_id = $2, submitted_at = now() WHERE id = $1 AND status IN ('pending', 'submitting')", [id, providerBatchId]);
}

export async function recordProviderStatus(pool: pg.Pool, id: string, providerStatus: string, ended: boolean): Promise<void> {
  await pool.query('UPDATE provider_batches SET provider_status = $2, ended_at = CASE WHEN $3 THEN coalesce(ended_at, now()) ELSE ended_at END WHERE id = $1', [id, providerStatus, ended]);
}

export async function recordCancelRequested(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('UPDATE provider_batches SET cancel_requested_at = coalesce(cancel_requested_at, now()) WHERE id = $1', [id]);
}

/** The part is done with: every line has a result (`ingested`), or went elsewhere (`refused`). */
export async function settleProviderBatch(pool: pg.Pool, id: string, status: 'ingested' | 'refused', errors: string[] = []): Promise<void> {
  await pool.query("UPDATE provider_batches SET status = $2, settled_at = now(), errors = CASE WHEN $3::jsonb = '[]'::jsonb THEN errors ELSE $3::jsonb END WHERE id = $1", [
    id,
    status,
    JSON.stringify(errors),
  ]);
}

/** Provider batch ids the gateway already holds for a provider since `since`: not a lost create of another part. */
export async function knownProviderBatchIds(pool: pg.Pool, provider: string, since: Date): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    "SELECT provider_batch_id AS id FROM provider_batches WHERE provider = $1 AND provider_batch_id IS NOT NULL AND created_at >= $2::timestamptz - interval '1 day'",
    [provider, since],
  );
  return new Set(rows.map((row) => row.id));
}

/** The line ranges of a batch's parts still at a provider: the sweep leaves those lines to them. */
export async function unsettledPartRanges(pool: pg.Pool, batchId: string): Promise<Array<[number, number]>> {
  const { rows } = await pool.query<{ ranges: Array<[number, number]> }>("SELECT ranges FROM provider_batches WHERE batch_id = $1 AND status IN ('pending', 'submitting', 'submitted')", [batchId]);
  return rows.flatMap((row) => row.ranges);
}

/** The unsettled parts of these batches (the reconciler puts back their polling jobs). */
export async function unsettledProviderBatches(pool: pg.Pool, batchIds: readonly string[]): Promise<Array<{ id: string; batchId: string }>> {
  if (batchIds.length === 0) return [];
  const { rows } = await pool.query<{ id: string; batchId: string }>(
    `SELECT id, batch_id AS "batchId" FROM provider_batches WHERE batch_id = ANY($1) AND status IN ('pending', 'submitting', 'submitted')`,
    [batchIds],
  );
  return rows;
}
