import Big from 'big.js';
import { z } from 'zod';
import { modelKeyOf, modelLabel, type ModelKey } from './model-key.ts';
import { assignModelColours } from './model-colours.ts';

const latencySchema = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });
const modelSchema = z.object({ model: z.string().nullable(), label: z.string().min(1), colour: z.string().regex(/^#[0-9a-f]{6}$/) });

/** What `GET /dashboard/api/summary` answers: everything the page draws, in one request. */
export const dashboardSummarySchema = z.object({
  object: z.literal('dashboard.summary'),
  scope: z.object({
    kind: z.enum(['admin', 'project']),
    project_id: z.string().nullable(),
    project_name: z.string().nullable(),
  }),
  from: z.string(),
  to: z.string(),
  bucket: z.enum(['hour', 'day']),
  /** Start of each bucket, Unix seconds, ascending, gapless: the x axis of every series. */
  buckets: z.array(z.number().int()),
  totals: z.object({
    requests: z.number().int(),
    errors: z.number().int(),
    cache_hits: z.number().int(),
    /** USD, exact decimal strings. */
    cost: z.string(),
    cost_saved: z.string(),
    /** errors / requests; null without requests. */
    error_rate: z.number().nullable(),
    /** Share of requests answered from the response cache; null without requests. */
    cache_hit_rate: z.number().nullable(),
    latency_ms: latencySchema,
  }),
  traffic: z.object({ requests: z.array(z.number().int()), errors: z.array(z.number().int()), cache_hits: z.array(z.number().int()) }),
  latency_ms: z.object({ p50: z.array(z.number().nullable()), p95: z.array(z.number().nullable()), p99: z.array(z.number().nullable()) }),
  /**
   * Every model with usage in the period, whatever the filter (the filter's choices), by label. `model`
   * is the usage API's name, null for requests recorded without one; `label` is what the page shows
   * ("(no model)" for null); `colour` (`#rrggbb`) is distinct per model and the same on every load.
   */
  models: z.array(modelSchema),
  /** The models the numbers are narrowed to (the `model` parameters), or null for every model. */
  filter: z.object({ models: z.array(z.string().nullable()).nullable() }),
  /** One series per shown model, most expensive first; per-bucket costs are numbers for drawing, the total exact. */
  cost_by_model: z.array(modelSchema.extend({ total: z.string(), cost: z.array(z.number()) })),
  /** Job counts per provider queue; null for a project key (queues are shared by every project). */
  queues: z
    .array(
      z.object({
        provider: z.string(),
        chat: z.object({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int() }),
        batch: z.object({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int() }),
      }),
    )
    .nullable(),
  batches: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      created_at: z.number().int(),
      request_counts: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int() }),
    }),
  ),
});

export type DashboardSummary = z.infer<typeof dashboardSummarySchema>;
export type DashboardBucket = DashboardSummary['bucket'];

/** A usage row as `GET /v1/usage` and `/admin/usage` return it (the fields the dashboard reads). */
export interface UsageRow {
  hour?: string;
  day?: string;
  /** Null (or empty) for requests recorded without a model. */
  model?: string | null;
  requests: number;
  errors: number;
  cache_hits: number;
  cost: string;
  cost_saved: string;
  latency_ms: z.infer<typeof latencySchema>;
}

/** Hourly buckets up to a week (168 points), daily ones beyond. */
export function chooseBucket(from: Date, to: Date): DashboardBucket {
  return to.getTime() - from.getTime() <= (7 * 24 + 1) * 3600 * 1000 ? 'hour' : 'day';
}

/** Every bucket start (Unix seconds) that overlaps [from, to), in UTC. */
export function bucketStarts(from: Date, to: Date, bucket: DashboardBucket): number[] {
  const step = bucket === 'hour' ? 3600 : 86_400;
  const first = Math.floor(from.getTime() / 1000 / step) * step;
  const end = to.getTime() / 1000;
  const starts: number[] = [];
  for (let start = first; start < end; start += step) starts.push(start);
  return starts;
}

/** The bucket start (Unix seconds) of a usage row's `hour` (ISO) or `day` (`YYYY-MM-DD`). */
function rowBucket(row: UsageRow): number | undefined {
  const stamp = row.hour ?? (row.day === undefined ? undefined : `${row.day}T00:00:00Z`);
  if (stamp === undefined) return undefined;
  const milliseconds = Date.parse(stamp);
  return Number.isNaN(milliseconds) ? undefined : milliseconds / 1000;
}

/** Decimal strings summed exactly. */
function sumDecimals(values: readonly string[]): string {
  return values.reduce((sum, value) => sum.plus(value), new Big(0)).toFixed();
}

export interface SummaryInput {
  scope: DashboardSummary['scope'];
  from: Date;
  to: Date;
  bucket: DashboardBucket;
  /** Usage grouped by the bucket only, and its total (of the shown models). */
  byTime: { data: UsageRow[]; total: UsageRow };
  /** Usage grouped by bucket and model (of the shown models). */
  byTimeAndModel: UsageRow[];
  /** Every model with usage in the period, shown or not. */
  models: readonly ModelKey[];
  /** The shown models, or null for every one. */
  filter: readonly ModelKey[] | null;
  queues: DashboardSummary['queues'];
  batches: DashboardSummary['batches'];
}

/** Lays the usage rows out on the bucket axis: buckets without rows are zeros (and null latencies). */
export function buildDashboardSummary(input: SummaryInput): DashboardSummary {
  const buckets = bucketStarts(input.from, input.to, input.bucket);
  const position = new Map(buckets.map((start, index) => [start, index]));
  const zeros = () => buckets.map(() => 0);
  const nulls = () => buckets.map((): number | null => null);
  const traffic = { requests: zeros(), errors: zeros(), cache_hits: zeros() };
  const latency = { p50: nulls(), p95: nulls(), p99: nulls() };
  for (const row of input.byTime.data) {
    const index = position.get(rowBucket(row) ?? Number.NaN);
    if (index === undefined) continue;
    traffic.requests[index] = row.requests;
    traffic.errors[index] = row.errors;
    traffic.cache_hits[index] = row.cache_hits;
    latency.p50[index] = row.latency_ms.p50;
    latency.p95[index] = row.latency_ms.p95;
    latency.p99[index] = row.latency_ms.p99;
  }

  const series = new Map<ModelKey, { costs: string[]; cost: number[] }>();
  for (const row of input.byTimeAndModel) {
    const index = position.get(rowBucket(row) ?? Number.NaN);
    if (index === undefined || row.model === undefined) continue;
    // One series for every row without a model, however the usage API spells that.
    const key = modelKeyOf(row.model);
    let model = series.get(key);
    if (!model) series.set(key, (model = { costs: [], cost: zeros() }));
    model.costs.push(row.cost);
    model.cost[index] = (model.cost[index] ?? 0) + Number(row.cost);
  }
  // Colours over every model of the period, not the shown ones: narrowing the filter recolours nothing.
  const allModels = [...new Set([...input.models, ...series.keys()])];
  const colours = assignModelColours(allModels);
  const describe = (key: ModelKey) => ({ model: key, label: modelLabel(key), colour: colours.get(key) ?? '' });
  const byLabel = (left: { model: ModelKey; label: string }, right: { model: ModelKey; label: string }) =>
    Number(left.model === null) - Number(right.model === null) || left.label.localeCompare(right.label);
  const costByModel = [...series.entries()]
    .map(([key, { costs, cost }]) => ({ ...describe(key), total: sumDecimals(costs), cost }))
    .sort((left, right) => Number(right.total) - Number(left.total) || byLabel(left, right));

  const { total } = input.byTime;
  return {
    object: 'dashboard.summary',
    scope: input.scope,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    bucket: input.bucket,
    buckets,
    totals: {
      requests: total.requests,
      errors: total.errors,
      cache_hits: total.cache_hits,
      cost: total.cost,
      cost_saved: total.cost_saved,
      error_rate: total.requests === 0 ? null : total.errors / total.requests,
      cache_hit_rate: total.requests === 0 ? null : total.cache_hits / total.requests,
      latency_ms: total.latency_ms,
    },
    traffic,
    latency_ms: latency,
    models: allModels.map(describe).sort(byLabel),
    filter: { models: input.filter === null ? null : [...input.filter] },
    cost_by_model: costByModel,
    queues: input.queues,
    batches: input.batches,
  };
}
