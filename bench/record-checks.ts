/**
 * What the gateway recorded during `bench/sync.ts`, read once the writes have settled: usage rows
 * (all, and cache hits) and requests rows by status and by cache status.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export interface RecordCounts {
  usageRows: number;
  /** Usage rows with `cache_hit`. */
  cacheHitRows: number;
  requestRows: Record<string, number>;
  requestCacheRows: Record<string, number>;
  /** How long the counts took to settle, ms. */
  settledMs: number;
}

/**
 * Polls the usage counts until they equal `expected` and hold for one more read, or stop moving for
 * three reads in a row (a real mismatch), or `timeoutMs` passes. Answers that were recorded before
 * they were sent are final already; cache hits are group-committed behind their answers, and under
 * load that queue can take a while to drain. Holding one more read catches rows that arrive late (a
 * non-2xx whose job still finished).
 */
export async function readRecordCounts(databaseUrl: string, expected: { usageRows: number; cacheHitRows: number }, timeoutMs = 30_000): Promise<RecordCounts> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const startedAt = performance.now();
  try {
    let previous = '';
    let unchanged = 0;
    let counts = { usageRows: -1, cacheHitRows: -1 };
    for (;;) {
      const { rows } = await pool.query<{ usage: string; hits: string }>('SELECT count(*) AS usage, count(*) FILTER (WHERE cache_hit) AS hits FROM usage');
      counts = { usageRows: Number(rows[0]?.usage ?? -1), cacheHitRows: Number(rows[0]?.hits ?? -1) };
      const key = `${counts.usageRows}/${counts.cacheHitRows}`;
      unchanged = key === previous ? unchanged + 1 : 0;
      previous = key;
      const matches = counts.usageRows === expected.usageRows && counts.cacheHitRows === expected.cacheHitRows;
      if ((matches && unchanged >= 1) || unchanged >= 3 || performance.now() - startedAt > timeoutMs) break;
      await sleep(300);
    }
    const settledMs = performance.now() - startedAt;
    const byStatus = await pool.query<{ status: string; count: string }>('SELECT status, count(*) AS count FROM requests GROUP BY status ORDER BY status');
    const byCache = await pool.query<{ cache_status: string | null; count: string }>('SELECT cache_status, count(*) AS count FROM requests GROUP BY cache_status ORDER BY cache_status');
    return {
      ...counts,
      requestRows: Object.fromEntries(byStatus.rows.map((row) => [row.status, Number(row.count)])),
      requestCacheRows: Object.fromEntries(byCache.rows.map((row) => [row.cache_status ?? '(null)', Number(row.count)])),
      settledMs,
    };
  } finally {
    await pool.end();
  }
}
