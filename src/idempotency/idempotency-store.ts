import type pg from 'pg';
import type { IdempotencyKeyStatus } from '../db/schema/idempotency-keys.ts';

/** One key of one project: the table's primary key. */
export interface IdempotencyKeyRef {
  projectId: string;
  key: string;
}

/** The answer a key replays. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  /** Headers worth replaying (`x-request-id` of the first request, cost, route, cache). */
  headers: Record<string, string>;
}

export interface IdempotencyRecord {
  operation: string;
  fingerprint: string;
  /** The request that holds (or held) the key. */
  requestId: string;
  status: IdempotencyKeyStatus;
  /** Set once completed. */
  answer: StoredAnswer | undefined;
  /** In progress past `locked_until`: its request is presumed dead. */
  lockExpired: boolean;
}

export interface ClaimInput extends IdempotencyKeyRef {
  operation: string;
  fingerprint: string;
  requestId: string;
  /** How long the claim holds before another request may take it over. */
  lockMs: number;
  /** How long the key (and its answer) lives. */
  ttlMs: number;
}

/**
 * `claimed`: this request holds the key and runs. `existing`: another request holds or held it.
 * `contended`: the row changed between two statements (released, swept or replaced); look again.
 */
export type ClaimResult = { outcome: 'claimed' } | { outcome: 'existing'; record: IdempotencyRecord } | { outcome: 'contended' };

type Queryable = pg.Pool | pg.PoolClient;

interface RawRecord {
  operation: string;
  fingerprint: string;
  request_id: string;
  status: IdempotencyKeyStatus;
  response_status: number | null;
  response_body: unknown;
  response_headers: Record<string, string> | null;
  lock_expired: boolean | null;
  expired: boolean;
}

// Every time is Postgres's clock: API processes' clocks may disagree, the database's is one.
const recordColumns = `operation, fingerprint, request_id, status, response_status, response_body, response_headers,
  locked_until <= now() AS lock_expired, expires_at <= now() AS expired`;

/**
 * Claims a key for a request: a new key is inserted `in_progress` (`ON CONFLICT DO NOTHING` on the
 * primary key, so of concurrent requests exactly one wins); an expired key counts as absent and is
 * replaced. Otherwise the key's record is returned for the caller to judge.
 */
export async function claimIdempotencyKey(pool: Queryable, input: ClaimInput): Promise<ClaimResult> {
  const inserted = await pool.query(
    `INSERT INTO idempotency_keys (project_id, key, operation, fingerprint, request_id, status, locked_until, expires_at)
     VALUES ($1, $2, $3, $4, $5, 'in_progress', now() + $6 * interval '1 millisecond', now() + $7 * interval '1 millisecond')
     ON CONFLICT (project_id, key) DO NOTHING`,
    [input.projectId, input.key, input.operation, input.fingerprint, input.requestId, input.lockMs, input.ttlMs],
  );
  if (inserted.rowCount === 1) return { outcome: 'claimed' };
  const { rows } = await pool.query<RawRecord>(`SELECT ${recordColumns} FROM idempotency_keys WHERE project_id = $1 AND key = $2`, [input.projectId, input.key]);
  const row = rows[0];
  if (!row) return { outcome: 'contended' };
  if (!row.expired) return { outcome: 'existing', record: fromRaw(row) };
  // Conditional: of two requests replacing one expired key, the second finds it unexpired and loses.
  const replaced = await pool.query(
    `UPDATE idempotency_keys SET operation = $3, fingerprint = $4, request_id = $5, status = 'in_progress', response_status = NULL,
       response_body = NULL, response_headers = NULL, locked_until = now() + $6 * interval '1 millisecond', created_at = now(),
       expires_at = now() + $7 * interval '1 millisecond'
     WHERE project_id = $1 AND key = $2 AND expires_at <= now()`,
    [input.projectId, input.key, input.operation, input.fingerprint, input.requestId, input.lockMs, input.ttlMs],
  );
  return replaced.rowCount === 1 ? { outcome: 'claimed' } : { outcome: 'contended' };
}

/** The key's record; undefined when there is none or it has expired (an expired key counts as absent). */
export async function readIdempotencyKey(pool: Queryable, ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined> {
  const { rows } = await pool.query<RawRecord>(`SELECT ${recordColumns} FROM idempotency_keys WHERE project_id = $1 AND key = $2`, [ref.projectId, ref.key]);
  const row = rows[0];
  return row && !row.expired ? fromRaw(row) : undefined;
}

/**
 * Takes over a key whose holder is presumed dead (in progress past `locked_until`). The condition is
 * re-checked by the UPDATE itself, so of several requests presuming the same death one wins; a
 * holder that completes meanwhile keeps its key. The key keeps its creation time and expiry.
 */
export async function takeOverIdempotencyKey(pool: Queryable, input: Omit<ClaimInput, 'ttlMs'>): Promise<boolean> {
  const result = await pool.query(
    `UPDATE idempotency_keys SET operation = $3, fingerprint = $4, request_id = $5, locked_until = now() + $6 * interval '1 millisecond'
     WHERE project_id = $1 AND key = $2 AND status = 'in_progress' AND locked_until <= now() AND expires_at > now()`,
    [input.projectId, input.key, input.operation, input.fingerprint, input.requestId, input.lockMs],
  );
  return result.rowCount === 1;
}

/**
 * Stores the answer of the request holding the key. Run inside the transaction that creates the
 * request's object, it commits (or rolls back) with it. False when the key is no longer this
 * request's (taken over after its lock expired): the caller must not keep what it created.
 */
export async function completeIdempotencyKey(client: Queryable, input: IdempotencyKeyRef & { requestId: string; answer: StoredAnswer; fingerprint?: string | undefined }): Promise<boolean> {
  const result = await client.query(
    `UPDATE idempotency_keys SET status = 'completed', fingerprint = coalesce($4, fingerprint), response_status = $5,
       response_body = $6::jsonb, response_headers = $7::jsonb, locked_until = NULL
     WHERE project_id = $1 AND key = $2 AND request_id = $3 AND status = 'in_progress'`,
    [input.projectId, input.key, input.requestId, input.fingerprint ?? null, input.answer.status, JSON.stringify(input.answer.body ?? null), JSON.stringify(input.answer.headers)],
  );
  return result.rowCount === 1;
}

/**
 * Gives a key back (its request failed in a way a retry may not: an outage, a timeout, a rate
 * limit), so the client's retry with the same key runs anew. Only the holder's own claim is deleted,
 * and only while in progress: a completed key keeps its answer.
 */
export async function releaseIdempotencyKey(pool: Queryable, input: IdempotencyKeyRef & { requestId: string }): Promise<void> {
  await pool.query(`DELETE FROM idempotency_keys WHERE project_id = $1 AND key = $2 AND request_id = $3 AND status = 'in_progress'`, [input.projectId, input.key, input.requestId]);
}

/** Pushes a holder's `locked_until` on, for requests that may outlast one lock (a long upload). */
export async function extendIdempotencyLock(pool: Queryable, input: IdempotencyKeyRef & { requestId: string; lockMs: number }): Promise<boolean> {
  const result = await pool.query(
    `UPDATE idempotency_keys SET locked_until = now() + $4 * interval '1 millisecond'
     WHERE project_id = $1 AND key = $2 AND request_id = $3 AND status = 'in_progress'`,
    [input.projectId, input.key, input.requestId, input.lockMs],
  );
  return result.rowCount === 1;
}

/**
 * Deletes expired keys, `batchSize` rows per statement (so no statement holds many locks or runs
 * long), until none is left; returns how many it deleted. Rows locked by a request replacing them
 * are skipped: that request is about to make them current again.
 */
export async function sweepExpiredIdempotencyKeys(pool: pg.Pool, options: { batchSize?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  let deleted = 0;
  for (;;) {
    const result = await pool.query(
      `DELETE FROM idempotency_keys WHERE (project_id, key) IN (
         SELECT project_id, key FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
      [batchSize],
    );
    const count = result.rowCount ?? 0;
    deleted += count;
    if (count < batchSize) return deleted;
  }
}

function fromRaw(row: RawRecord): IdempotencyRecord {
  return {
    operation: row.operation,
    fingerprint: row.fingerprint,
    requestId: row.request_id,
    status: row.status,
    answer: row.status === 'completed' && row.response_status !== null ? { status: row.response_status, body: row.response_body, headers: row.response_headers ?? {} } : undefined,
    lockExpired: row.status === 'in_progress' && row.lock_expired === true,
  };
}
