import type pg from 'pg';
import { latencyBoundsSql } from './latency-buckets.ts';
import { millisecondsBetween, rollupCounterColumns, rollupKeyColumns } from './rollup-sql.ts';
import { ceilTo, dayMs, floorTo, hourMs } from './usage-params.ts';

export interface RebuildResult {
  /** The hours recomputed: the asked range widened to whole hours. */
  from: Date;
  to: Date;
  /** Requests counted into the range. */
  requests: number;
  hourlyRows: number;
  dailyRows: number;
}

const keyList = rollupKeyColumns.join(', ');
const counterSums = `${rollupCounterColumns.map((column) => `sum(${column})`).join(', ')}, usage_histogram_sum(latency_histogram)`;
const insertedColumns = `${keyList}, ${rollupCounterColumns.join(', ')}, latency_histogram`;

/**
 * The hourly rollups of [$1, $2) from the raw records, by the same rules as the writers: every
 * settled request once (by its settle time), tokens and cost from its usage row, latency accepted →
 * settled (batch lines: started → settled), served by a provider's batch API when it names a provider
 * batch, in the format and under the routing rule the request recorded. Its select list follows {@link rollupKeyColumns} then {@link rollupCounterColumns}. Inserted
 * in key order, so an hour's rows sit together on disk as the writers leave them (a query reads few
 * pages).
 */
export const rebuildHourlySql = `
INSERT INTO usage_rollups (hour, ${insertedColumns})
SELECT date_trunc('hour', r.completed_at, 'UTC'), r.project_id, r.api_key_id, r.model, coalesce(r.provider, ''),
       CASE WHEN r.provider_batch_id IS NULL THEN 'gateway' ELSE 'batch_api' END, r.format, coalesce(r.batch_id, ''), coalesce(r.routing_rule, ''),
       count(*), count(*) FILTER (WHERE r.status <> 'completed'), count(*) FILTER (WHERE r.cache_status = 'hit'),
       coalesce(sum(u.prompt_tokens), 0), coalesce(sum(u.cached_prompt_tokens), 0), coalesce(sum(u.completion_tokens), 0),
       coalesce(sum(u.cost), 0), coalesce(sum(u.cost_saved), 0), coalesce(sum(u.batch_saved), 0),
       count(*) FILTER (WHERE u.request_id IS NOT NULL AND u.cost IS NULL),
       usage_latency_histogram(
         CASE WHEN r.kind = 'batch' THEN ${millisecondsBetween('r.started_at', 'r.completed_at')} ELSE ${millisecondsBetween('r.created_at', 'r.completed_at')} END,
         ${latencyBoundsSql})
FROM requests r LEFT JOIN usage u ON u.request_id = r.id
WHERE r.completed_at >= $1 AND r.completed_at < $2 AND r.status NOT IN ('queued', 'in_progress')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`;

/** The daily rollups of the UTC days [$1, $2), from the hourly ones. */
export const rebuildDailySql = `
INSERT INTO usage_daily_rollups (day, ${insertedColumns})
SELECT (hour AT TIME ZONE 'UTC')::date, ${keyList}, ${counterSums}
FROM usage_rollups WHERE hour >= $1 AND hour < $2
GROUP BY 1, ${keyList}
ORDER BY 1, ${keyList}`;

/**
 * Recomputes the rollups of a range from `requests` and `usage` (after a manual fix of those rows):
 * the hours of the range, then the days they touch. One transaction that locks both rollup tables
 * against writes (reads go on), so no outcome committed meanwhile is lost or counted twice: outcome
 * writers wait for it. `requests` has no index on the settle time, so this reads the whole table.
 */
export async function rebuildUsageRollups(pool: pg.Pool, range: { from: Date; to: Date }): Promise<RebuildResult> {
  const from = floorTo(range.from, hourMs);
  const to = ceilTo(range.to, hourMs);
  if (from.getTime() >= to.getTime()) throw new RangeError(`from (${range.from.toISOString()}) must be before to (${range.to.toISOString()})`);
  const dayFrom = floorTo(from, dayMs);
  const dayTo = ceilTo(to, dayMs);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL work_mem = '256MB'");
    await client.query('LOCK TABLE usage_rollups, usage_daily_rollups IN EXCLUSIVE MODE');
    await client.query('DELETE FROM usage_rollups WHERE hour >= $1 AND hour < $2', [from, to]);
    const hourly = await client.query<{ rows: number; requests: number }>(
      `WITH rebuilt AS (${rebuildHourlySql} RETURNING requests) SELECT count(*)::int AS rows, coalesce(sum(requests), 0)::bigint AS requests FROM rebuilt`,
      [from, to],
    );
    await client.query('DELETE FROM usage_daily_rollups WHERE day >= $1::date AND day < $2::date', [isoDay(dayFrom), isoDay(dayTo)]);
    const daily = await client.query(rebuildDailySql, [dayFrom, dayTo]);
    await client.query('COMMIT');
    return { from, to, requests: Number(hourly.rows[0]?.requests ?? 0), hourlyRows: hourly.rows[0]?.rows ?? 0, dailyRows: daily.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
