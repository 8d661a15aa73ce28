import type pg from 'pg';
import type { BatchChunkJob } from '../queues/batch-queues.ts';

/** A chunk and its place among its batch's chunks on the same provider (1 = first). */
export interface OrderedChunk {
  job: BatchChunkJob;
  ordinal: number;
}

/**
 * Records a page of a batch's chunks before their jobs are queued (so no chunk job exists without its
 * row) and returns those not done yet: a re-run start step queues only what is still to do.
 */
export async function recordChunks(pool: pg.Pool, batchId: string, chunks: readonly OrderedChunk[]): Promise<OrderedChunk[]> {
  if (chunks.length === 0) return [];
  const { rows } = await pool.query<{ provider: string; first_line: number; pending: boolean }>(
    `INSERT INTO batch_chunks (batch_id, provider, first_line, ranges, ordinal)
     SELECT $1, provider, first_line, ranges::jsonb, ordinal FROM unnest($2::text[], $3::int[], $4::text[], $5::int[]) AS t(provider, first_line, ranges, ordinal)
     ON CONFLICT (batch_id, provider, first_line) DO UPDATE SET ordinal = batch_chunks.ordinal
     RETURNING provider, first_line, done_at IS NULL AS pending`,
    [batchId, chunks.map((chunk) => chunk.job.provider), chunks.map((chunk) => firstLineOf(chunk.job)), chunks.map((chunk) => JSON.stringify(chunk.job.ranges)), chunks.map((chunk) => chunk.ordinal)],
  );
  const pending = new Set(rows.filter((row) => row.pending).map((row) => `${row.provider}\u0000${row.first_line}`));
  return chunks.filter((chunk) => pending.has(`${chunk.job.provider}\u0000${firstLineOf(chunk.job)}`));
}

/** Every line of the chunk has its result. */
export async function markChunkDone(pool: pg.Pool, job: BatchChunkJob): Promise<void> {
  await pool.query('UPDATE batch_chunks SET done_at = now() WHERE batch_id = $1 AND provider = $2 AND first_line = $3 AND done_at IS NULL', [job.batchId, job.provider, firstLineOf(job)]);
}

/** The chunks of these batches that are not done, with what their jobs need. */
export async function pendingChunks(pool: pg.Pool, batchIds: readonly string[]): Promise<OrderedChunk[]> {
  if (batchIds.length === 0) return [];
  const { rows } = await pool.query<{ batch_id: string; provider: string; ranges: Array<[number, number]>; ordinal: number }>(
    'SELECT batch_id, provider, ranges, ordinal FROM batch_chunks WHERE batch_id = ANY($1::text[]) AND done_at IS NULL',
    [batchIds],
  );
  return rows.map((row) => ({ job: { batchId: row.batch_id, provider: row.provider, ranges: row.ranges }, ordinal: row.ordinal }));
}

export function firstLineOf(job: BatchChunkJob): number {
  return job.ranges[0]?.[0] ?? 0;
}
