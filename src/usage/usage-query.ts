import { latencyBucketCount } from './latency-buckets.ts';
import { usageModelSql } from './no-model.ts';
import { ceilTo, dayMs, floorTo, type UsageGroup, type UsageRange } from './usage-params.ts';

export interface UsageQueryOptions {
  range: UsageRange;
  groups: readonly UsageGroup[];
  /** One project's usage; all projects when absent (admin). */
  projectId?: string | undefined;
}

/** The column a group is read from in the rollup rows. */
const groupColumns: Record<UsageGroup, string> = {
  project: 'project_id',
  key: 'api_key_id',
  model: 'model',
  provider: 'provider',
  served_by: 'served_by',
  format: 'format',
  routing_rule: 'routing_rule',
  batch: 'batch_id',
  day: 'day',
  hour: 'hour',
};

const counterColumns = 'requests, errors, cache_hits, prompt_tokens, cached_prompt_tokens, completion_tokens, cost, cost_saved, batch_saved, cost_unknown_requests, latency_histogram';
const histogramSum = `ARRAY[${Array.from({ length: latencyBucketCount }, (_unused, index) => `sum(latency_histogram[${index + 1}])`).join(', ')}]::bigint[]`;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Which rollup rows answer a range: whole UTC days inside it from the daily table, the hours at
 * either edge from the hourly one, so a 30-day question reads ~30 rows per key instead of ~720.
 * Grouping by hour needs the hourly rows throughout.
 */
export function planUsageSources(range: UsageRange, byHour: boolean): { days?: { from: Date; to: Date }; hours: Array<{ from: Date; to: Date }> } {
  const firstDay = ceilTo(range.from, dayMs);
  const endDay = floorTo(range.to, dayMs);
  if (byHour || firstDay.getTime() >= endDay.getTime()) return { hours: [range] };
  const hours = [
    { from: range.from, to: firstDay },
    { from: endDay, to: range.to },
  ].filter((edge) => edge.from.getTime() < edge.to.getTime());
  return { days: { from: firstDay, to: endDay }, hours };
}

/**
 * The usage question as one SQL statement: the rollup rows of the range (and project), grouped by
 * the asked groups (no GROUP BY for the total alone: one row, zeros when nothing matched).
 * Histograms are summed element by element in SQL, so one per group travels. Time groups sort
 * ascending, then cost descending. The total is added up from the groups by the caller: a grouping
 * set for it would aggregate every rollup row twice.
 */
export function buildUsageQuery(options: UsageQueryOptions): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const parameter = (value: unknown) => `$${values.push(value)}`;
  const projectFilter = options.projectId === undefined ? '' : ` AND project_id = ${parameter(options.projectId)}`;
  const plan = planUsageSources(options.range, options.groups.includes('hour'));

  const sources: string[] = [];
  if (plan.days) {
    sources.push(
      `SELECT day, NULL::timestamptz AS hour, project_id, api_key_id, ${usageModelSql} AS model, provider, served_by, format, routing_rule, batch_id, ${counterColumns}
       FROM usage_daily_rollups WHERE day >= ${parameter(isoDay(plan.days.from))}::date AND day < ${parameter(isoDay(plan.days.to))}::date${projectFilter}`,
    );
  }
  // One branch per window: a plain range each planner can take an index for (an OR of two ranges
  // was planned as a scan of the whole hourly table).
  for (const window of plan.hours) {
    sources.push(
      `SELECT (hour AT TIME ZONE 'UTC')::date AS day, hour, project_id, api_key_id, ${usageModelSql} AS model, provider, served_by, format, routing_rule, batch_id, ${counterColumns}
       FROM usage_rollups WHERE hour >= ${parameter(window.from.toISOString())} AND hour < ${parameter(window.to.toISOString())}${projectFilter}`,
    );
  }

  const groupList = options.groups.map((group) => groupColumns[group]);
  const timeOrder = options.groups.filter((group) => group === 'day' || group === 'hour').map((group) => `g.${groupColumns[group]}`);
  const otherOrder = groupList.filter((column) => column !== 'day' && column !== 'hour').map((column) => `g.${column}`);
  const order = [...timeOrder, 'g.cost DESC', 'g.requests DESC', ...otherOrder].join(', ');
  const byProject = groupList.includes('project_id');

  const text = `
WITH source AS (
  ${sources.join('\n  UNION ALL\n  ')}
), grouped AS (
  SELECT ${groupList.map((column) => `${column}, `).join('')}
         coalesce(sum(requests), 0)::bigint AS requests, coalesce(sum(errors), 0)::bigint AS errors,
         coalesce(sum(cache_hits), 0)::bigint AS cache_hits, coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
         coalesce(sum(cached_prompt_tokens), 0)::bigint AS cached_prompt_tokens,
         coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
         coalesce(sum(cost), 0) AS cost, coalesce(sum(cost_saved), 0) AS cost_saved, coalesce(sum(batch_saved), 0) AS batch_saved,
         coalesce(sum(cost_unknown_requests), 0)::bigint AS cost_unknown_requests,
         ${histogramSum} AS latency_histogram
  FROM source${groupList.length === 0 ? '' : ` GROUP BY ${groupList.join(', ')}`}
)
SELECT ${byProject ? 'p.name AS project_name, ' : ''}g.*,${groupList.includes('day') ? ' g.day::text AS day_text,' : ''}
       trim_scale(g.cost)::text AS cost_text, trim_scale(g.cost_saved)::text AS cost_saved_text,
       trim_scale(g.batch_saved)::text AS batch_saved_text
FROM grouped g${byProject ? ' LEFT JOIN projects p ON p.id = g.project_id' : ''}
ORDER BY ${order}`;
  return { text, values };
}
