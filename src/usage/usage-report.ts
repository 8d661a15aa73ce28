import Big from 'big.js';
import type pg from 'pg';
import type { UsageServedBy } from '../db/schema/usage-rollups.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import { latencyPercentiles } from './latency-buckets.ts';
import type { UsageGroup, UsageRange } from './usage-params.ts';
import { buildUsageQuery } from './usage-query.ts';

export interface UsageCounters {
  requests: number;
  errors: number;
  cache_hits: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  /** USD, exact decimal: the requests whose cost is known (see `cost_unknown_requests`). */
  cost: string;
  /** Billed requests to a model nothing prices: their cost is unknown and not part of `cost`. */
  cost_unknown_requests: number;
  cost_saved: string;
  /** Served by a provider's batch API: what the sync price would have cost beyond `cost` (USD, exact decimal). */
  batch_saved: string;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export interface UsageGroupFields {
  project_id?: string;
  project?: string;
  api_key_id?: string;
  /** Null for requests recorded without a model. */
  model?: string | null;
  provider?: string | null;
  served_by?: UsageServedBy;
  format?: RequestFormat;
  /** The model's routing rule (`default`: its own routes); null for requests recorded without one. */
  routing_rule?: string | null;
  batch_id?: string | null;
  day?: string;
  hour?: string;
}

export type UsageRow = UsageGroupFields & UsageCounters;

/** The body of `GET /v1/usage` and `GET /admin/usage`. */
export interface UsageReport {
  object: 'list';
  from: string;
  to: string;
  group_by: UsageGroup[];
  data: UsageRow[];
  total: UsageCounters;
}

/** A row of the usage query: the group columns asked for, then the sums. */
export interface GroupedRow {
  project_id?: string;
  project_name?: string | null;
  api_key_id?: string;
  /** NULL for requests recorded without a model (see `usageModelSql`). */
  model?: string | null;
  provider?: string;
  served_by?: UsageServedBy;
  format?: RequestFormat;
  routing_rule?: string;
  batch_id?: string;
  /** `day` itself comes back as a Date at local midnight; its text is what the answer needs. */
  day_text?: string;
  hour?: Date;
  requests: number;
  errors: number;
  cache_hits: number;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  cost_unknown_requests: number;
  cost_text: string;
  cost_saved_text: string;
  batch_saved_text: string;
  latency_histogram: Array<string | number | null>;
}

/** Requests, tokens, cost and latency percentiles of a range, per group, from the rollups. */
export async function queryUsage(pool: pg.Pool, options: { range: UsageRange; groups: UsageGroup[]; projectId?: string | undefined }): Promise<UsageReport> {
  const { text, values } = buildUsageQuery(options);
  const rows = await withoutParallelWorkers(pool, (client) => client.query<GroupedRow>(text, values));
  return {
    object: 'list',
    from: options.range.from.toISOString(),
    to: options.range.to.toISOString(),
    group_by: options.groups,
    data: rows.map((row) => toUsageRow(row, options.groups)),
    total: toCounters(options.groups.length === 0 ? rows[0] : totalOf(rows)),
  };
}

/**
 * Runs a query with parallel workers off. A usage question reads at most tens of thousands of
 * rollup rows, and starting the workers the planner picks for that costs more than they save:
 * measured over the 10M-row benchmark's rollups, 8 ms without them against 50-70 ms with two.
 */
export async function withoutParallelWorkers<Row extends pg.QueryResultRow>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<pg.QueryResult<Row>>): Promise<Row[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY; SET LOCAL max_parallel_workers_per_gather = 0');
    const { rows } = await run(client);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The groups added up: counts as numbers, money exactly, histograms element by element. */
export function totalOf(rows: readonly GroupedRow[]): GroupedRow {
  const total: GroupedRow = {
    requests: 0,
    errors: 0,
    cache_hits: 0,
    prompt_tokens: 0,
    cached_prompt_tokens: 0,
    completion_tokens: 0,
    cost_unknown_requests: 0,
    cost_text: '0',
    cost_saved_text: '0',
    batch_saved_text: '0',
    latency_histogram: [],
  };
  let cost = new Big(0);
  let costSaved = new Big(0);
  let batchSaved = new Big(0);
  for (const row of rows) {
    for (const counter of counterNames) total[counter] += Number(row[counter]);
    cost = cost.plus(row.cost_text);
    costSaved = costSaved.plus(row.cost_saved_text);
    batchSaved = batchSaved.plus(row.batch_saved_text);
    row.latency_histogram.forEach((count, bucket) => {
      total.latency_histogram[bucket] = Number(total.latency_histogram[bucket] ?? 0) + Number(count ?? 0);
    });
  }
  return { ...total, cost_text: cost.toFixed(), cost_saved_text: costSaved.toFixed(), batch_saved_text: batchSaved.toFixed() };
}

const counterNames = ['requests', 'errors', 'cache_hits', 'prompt_tokens', 'cached_prompt_tokens', 'completion_tokens', 'cost_unknown_requests'] as const;

function toCounters(row: GroupedRow | undefined): UsageCounters {
  // bigint columns: numbers where the app's pg type parser is installed, strings elsewhere.
  return {
    requests: Number(row?.requests ?? 0),
    errors: Number(row?.errors ?? 0),
    cache_hits: Number(row?.cache_hits ?? 0),
    input_tokens: Number(row?.prompt_tokens ?? 0),
    cached_input_tokens: Number(row?.cached_prompt_tokens ?? 0),
    output_tokens: Number(row?.completion_tokens ?? 0),
    cost: row?.cost_text ?? '0',
    cost_unknown_requests: Number(row?.cost_unknown_requests ?? 0),
    cost_saved: row?.cost_saved_text ?? '0',
    batch_saved: row?.batch_saved_text ?? '0',
    latency_ms: latencyPercentiles((row?.latency_histogram ?? []).map((count) => Number(count ?? 0))),
  };
}

/** The group fields first (as the contract names them), then the counters. */
export function toUsageRow(row: GroupedRow, groups: readonly UsageGroup[]): UsageRow {
  const fields: UsageGroupFields = {};
  for (const group of groups) {
    switch (group) {
      case 'project':
        fields.project_id = row.project_id ?? '';
        fields.project = row.project_name ?? row.project_id ?? '';
        break;
      case 'key':
        fields.api_key_id = row.api_key_id ?? '';
        break;
      case 'model':
        fields.model = row.model ? row.model : null;
        break;
      case 'provider':
        fields.provider = row.provider ? row.provider : null;
        break;
      case 'served_by':
        fields.served_by = row.served_by ?? 'gateway';
        break;
      case 'format':
        fields.format = row.format ?? 'chat';
        break;
      case 'routing_rule':
        fields.routing_rule = row.routing_rule ? row.routing_rule : null;
        break;
      case 'batch':
        fields.batch_id = row.batch_id ? row.batch_id : null;
        break;
      case 'day':
        fields.day = row.day_text ?? '';
        break;
      case 'hour':
        fields.hour = row.hour?.toISOString() ?? '';
        break;
    }
  }
  return { ...fields, ...toCounters(row) };
}

/** A project named by id or by name (the admin API takes either), or undefined. */
export async function findProject(pool: pg.Pool, idOrName: string): Promise<{ id: string; name: string } | undefined> {
  const { rows } = await pool.query<{ id: string; name: string }>('SELECT id, name FROM projects WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1', [idOrName]);
  return rows[0];
}
