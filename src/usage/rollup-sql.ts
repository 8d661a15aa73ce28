import { latencyBoundsSql } from './latency-buckets.ts';

/**
 * The rollup key columns, in lock order: every statement that upserts rollups sorts its rows by
 * these, so concurrent writers take row locks in the same order and cannot deadlock on them.
 */
export const rollupKeyColumns = ['project_id', 'api_key_id', 'model', 'provider', 'served_by', 'format', 'batch_id', 'routing_rule'] as const;

/** The counters, as summed from settled rows and added on conflict. */
export const rollupCounterColumns = [
  'requests',
  'errors',
  'cache_hits',
  'prompt_tokens',
  'cached_prompt_tokens',
  'completion_tokens',
  'cost',
  'cost_saved',
  'batch_saved',
  'cost_unknown_requests',
] as const;

/**
 * The columns a `settled` relation gives {@link rollupUpsertCtes}: one row per request written or
 * usage row billed by the statement. `served_by` is `gateway` or `batch_api` (`usageServedBy`); `format`
 * the request's client API (`requests.format`, one of `requestFormats`); `routing_rule` the model's
 * routing rule that chose the routes (`requests.routing_rule`, '' where none was recorded);
 * `requests`, `errors`, `cache_hits` are 0 or 1; the token and cost columns 0 unless the row's usage
 * was inserted by this statement (`cost` 0 and `cost_unknown_requests` 1 when that usage has no cost); `latency_ms` NULL for no sample (a line that never started, or a
 * billing-only row).
 */
export const settledColumns = ['settled_at', ...rollupKeyColumns, ...rollupCounterColumns, 'latency_ms'] as const;

const keyList = rollupKeyColumns.join(', ');
const counterSums = rollupCounterColumns.map((column) => `sum(${column}) AS ${column}`).join(', ');
const addCounters = [
  ...rollupCounterColumns.map((column) => `${column} = r.${column} + excluded.${column}`),
  'latency_histogram = usage_histogram_add(r.latency_histogram, excluded.latency_histogram)',
].join(', ');
const insertedColumns = `${keyList}, ${rollupCounterColumns.join(', ')}, latency_histogram`;

/**
 * CTEs (to follow other CTEs, hence the leading comma) that add a `settled` relation into the hourly
 * and daily rollups, inside the statement that wrote the rows: the rollups commit or roll back with
 * the records, and a row the statement did not write (a late duplicate) is never counted.
 */
export function rollupUpsertCtes(settled: string): string {
  return `, rollup_hourly AS (
  SELECT date_trunc('hour', settled_at, 'UTC') AS hour, ${keyList}, ${counterSums},
         usage_latency_histogram(latency_ms, ${latencyBoundsSql}) AS latency_histogram
  FROM ${settled} GROUP BY 1, ${keyList}
), rollup_hourly_upsert AS (
  INSERT INTO usage_rollups AS r (hour, ${insertedColumns})
  SELECT hour, ${insertedColumns} FROM rollup_hourly ORDER BY hour, ${keyList}
  ON CONFLICT (hour, ${keyList}) DO UPDATE SET ${addCounters}
), rollup_daily_upsert AS (
  INSERT INTO usage_daily_rollups AS r (day, ${insertedColumns})
  SELECT (hour AT TIME ZONE 'UTC')::date, ${keyList}, ${counterSums}, usage_histogram_sum(latency_histogram)
  FROM rollup_hourly GROUP BY 1, ${keyList} ORDER BY 1, ${keyList}
  ON CONFLICT (day, ${keyList}) DO UPDATE SET ${addCounters}
)`;
}

/** Milliseconds between two timestamptz expressions, as the histogram takes them. */
export function millisecondsBetween(start: string, end: string): string {
  return `(extract(epoch FROM ${end} - ${start}) * 1000)::double precision`;
}
