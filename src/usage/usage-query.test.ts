import { describe, expect, it } from 'vitest';
import { latencyBucketCount } from './latency-buckets.ts';
import { buildUsageQuery, planUsageSources } from './usage-query.ts';

const range = (from: string, to: string) => ({ from: new Date(from), to: new Date(to) });

describe('planUsageSources', () => {
  it('reads whole days from the daily rollups and the edges from the hourly ones', () => {
    const plan = planUsageSources(range('2024-06-01T15:00:00Z', '2024-06-04T03:00:00Z'), false);
    expect(plan.days).toEqual(range('2024-06-02T00:00:00Z', '2024-06-04T00:00:00Z'));
    expect(plan.hours).toEqual([range('2024-06-01T15:00:00Z', '2024-06-02T00:00:00Z'), range('2024-06-04T00:00:00Z', '2024-06-04T03:00:00Z')]);
  });

  it('needs no hourly rows for a day-aligned range', () => {
    const plan = planUsageSources(range('2024-06-01T00:00:00Z', '2024-06-08T00:00:00Z'), false);
    expect(plan).toEqual({ days: range('2024-06-01T00:00:00Z', '2024-06-08T00:00:00Z'), hours: [] });
  });

  it('uses hourly rows alone within a day, across less than a whole day, and when grouping by hour', () => {
    expect(planUsageSources(range('2024-06-01T01:00:00Z', '2024-06-01T05:00:00Z'), false)).toEqual({ hours: [range('2024-06-01T01:00:00Z', '2024-06-01T05:00:00Z')] });
    expect(planUsageSources(range('2024-06-01T12:00:00Z', '2024-06-02T12:00:00Z'), false)).toEqual({ hours: [range('2024-06-01T12:00:00Z', '2024-06-02T12:00:00Z')] });
    expect(planUsageSources(range('2024-06-01T00:00:00Z', '2024-06-08T00:00:00Z'), true)).toEqual({ hours: [range('2024-06-01T00:00:00Z', '2024-06-08T00:00:00Z')] });
  });
});

describe('buildUsageQuery', () => {
  it('groups by the asked columns, scoped to the project as a parameter', () => {
    const { text, values } = buildUsageQuery({ range: range('2024-06-01T15:00:00Z', '2024-06-04T03:00:00Z'), groups: ['model', 'day'], projectId: "p'1" });
    expect(text).toContain('GROUP BY model, day\n');
    expect(text).toContain('FROM usage_daily_rollups');
    expect(text).toContain('FROM usage_rollups');
    expect(text).not.toContain("p'1");
    expect(values).toEqual(["p'1", '2024-06-02', '2024-06-04', '2024-06-01T15:00:00.000Z', '2024-06-02T00:00:00.000Z', '2024-06-04T00:00:00.000Z', '2024-06-04T03:00:00.000Z']);
    // Days first (ascending), then cost.
    expect(text).toMatch(/ORDER BY g\.day, g\.cost DESC, g\.requests DESC, g\.model$/);
    expect(text).toContain(`sum(latency_histogram[${latencyBucketCount}])`);
  });

  it('has no GROUP BY for the total alone, and names projects when grouping by project', () => {
    expect(buildUsageQuery({ range: range('2024-06-01T00:00:00Z', '2024-06-01T02:00:00Z'), groups: [] }).text).not.toContain('GROUP BY');
    const byProject = buildUsageQuery({ range: range('2024-06-01T00:00:00Z', '2024-06-01T02:00:00Z'), groups: ['project'] });
    expect(byProject.text).toContain('LEFT JOIN projects p ON p.id = g.project_id');
    expect(byProject.values).toHaveLength(2);
  });

  it("groups by who served the requests, and sums what a provider's batch API saved", () => {
    const { text } = buildUsageQuery({ range: range('2024-06-01T00:00:00Z', '2024-06-01T02:00:00Z'), groups: ['provider', 'served_by'] });
    expect(text).toContain('GROUP BY provider, served_by\n');
    expect(text).toContain('coalesce(sum(batch_saved), 0) AS batch_saved');
    expect(text).toContain('trim_scale(g.batch_saved)::text AS batch_saved_text');
  });

  it('groups by client format, read from both rollup tables', () => {
    const { text } = buildUsageQuery({ range: range('2024-06-01T15:00:00Z', '2024-06-04T03:00:00Z'), groups: ['model', 'format'] });
    expect(text).toContain('GROUP BY model, format\n');
    expect(text.match(/provider, served_by, format, routing_rule, batch_id/g)).toHaveLength(3);
    expect(text).toMatch(/ORDER BY g\.cost DESC, g\.requests DESC, g\.model, g\.format$/);
  });

  it('groups by routing rule', () => {
    const { text } = buildUsageQuery({ range: range('2024-06-01T15:00:00Z', '2024-06-04T03:00:00Z'), groups: ['model', 'routing_rule'] });
    expect(text).toContain('GROUP BY model, routing_rule\n');
  });
});
