import type pg from 'pg';

/**
 * Accepted work is written to Postgres and queued in Redis: two systems, no shared transaction. The
 * fence makes the pair atomic from the worker's side. The API inserts the row, takes this lock, queues
 * the job and only then commits; the worker waits for the lock before it reads the row. So the worker
 * sees the row committed, or (when the queueing failed and the API rolled back, or the API died before
 * its commit) sees no row and drops the job: a submission either exists and runs, or its caller got an
 * error. The lock is per id (a hash; a collision only costs a short wait) and ends with the transaction.
 */

/** Advisory lock class of creation fences (the first key of the two-key form). */
const creationLockClass = 0x67770001;

/** Inside the creating transaction, before the job is queued. */
export async function fenceCreation(client: pg.PoolClient, id: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [creationLockClass, id]);
}

/**
 * On the worker, before reading the row: returns once the creating transaction (if any) has ended.
 * Taken and released within the one statement; uncontended, it costs one round trip.
 */
export async function awaitCreation(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [creationLockClass, id]);
}
