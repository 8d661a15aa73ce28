import { describe, expect, it } from 'vitest';
import { bucketStarts, buildDashboardSummary, chooseBucket, dashboardSummarySchema, type UsageRow } from './dashboard-summary.ts';
import { assignModelColours, noModelColour } from './model-colours.ts';

const at = (iso: string) => new Date(iso);
const seconds = (iso: string) => Date.parse(iso) / 1000;
const noLatency = { p50: null, p95: null, p99: null };
const row = (fields: Partial<UsageRow>): UsageRow => ({ requests: 0, errors: 0, cache_hits: 0, cost: '0', cost_saved: '0', latency_ms: noLatency, ...fields });

describe('bucketStarts / chooseBucket', () => {
  it('lists every UTC hour overlapping the range', () => {
    expect(bucketStarts(at('2024-06-01T10:00:00Z'), at('2024-06-01T13:00:00Z'), 'hour')).toEqual([seconds('2024-06-01T10:00:00Z'), seconds('2024-06-01T11:00:00Z'), seconds('2024-06-01T12:00:00Z')]);
    expect(bucketStarts(at('2024-06-01T10:30:00Z'), at('2024-06-01T11:10:00Z'), 'hour')).toEqual([seconds('2024-06-01T10:00:00Z'), seconds('2024-06-01T11:00:00Z')]);
  });

  it('lists UTC days for daily buckets', () => {
    expect(bucketStarts(at('2024-06-01T05:00:00Z'), at('2024-06-03T01:00:00Z'), 'day')).toEqual([seconds('2024-06-01T00:00:00Z'), seconds('2024-06-02T00:00:00Z'), seconds('2024-06-03T00:00:00Z')]);
  });

  it('uses hours up to a week (plus the rounding hour), days beyond', () => {
    const from = at('2024-06-01T00:00:00Z');
    expect(chooseBucket(from, at('2024-06-02T00:00:00Z'))).toBe('hour');
    expect(chooseBucket(from, at('2024-06-08T01:00:00Z'))).toBe('hour');
    expect(chooseBucket(from, at('2024-06-08T02:00:00Z'))).toBe('day');
  });
});

describe('buildDashboardSummary', () => {
  const from = at('2024-06-01T10:00:00Z');
  const to = at('2024-06-01T14:00:00Z');
  const summary = buildDashboardSummary({
    scope: { kind: 'project', project_id: 'proj_1', project_name: 'alpha' },
    from,
    to,
    bucket: 'hour',
    byTime: {
      data: [
        row({ hour: '2024-06-01T11:00:00.000Z', requests: 10, errors: 1, cache_hits: 2, latency_ms: { p50: 20, p95: 90, p99: 120 } }),
        row({ hour: '2024-06-01T13:00:00.000Z', requests: 4, latency_ms: { p50: 30, p95: 40, p99: 41 } }),
        // Outside the axis: ignored, never shifted onto another bucket.
        row({ hour: '2024-06-01T20:00:00.000Z', requests: 99 }),
      ],
      total: row({ requests: 14, errors: 1, cache_hits: 2, cost: '0.3000000001', cost_saved: '0.05', latency_ms: { p50: 25, p95: 88, p99: 119 } }),
    },
    byTimeAndModel: [
      row({ hour: '2024-06-01T11:00:00.000Z', model: 'cheap', cost: '0.0000000001' }),
      row({ hour: '2024-06-01T11:00:00.000Z', model: 'dear', cost: '0.1' }),
      row({ hour: '2024-06-01T13:00:00.000Z', model: 'dear', cost: '0.2' }),
      // Requests recorded without a model, as the usage API spells them today ('') and tomorrow (null).
      row({ hour: '2024-06-01T11:00:00.000Z', model: '', cost: '0' }),
      row({ hour: '2024-06-01T13:00:00.000Z', model: null, cost: '0' }),
    ],
    models: ['cheap', 'dear', 'quiet', null],
    filter: null,
    queues: null,
    batches: [],
  });

  it('puts each row on its bucket, zeros (and null latencies) elsewhere', () => {
    expect(summary.buckets).toHaveLength(4);
    expect(summary.traffic).toEqual({ requests: [0, 10, 0, 4], errors: [0, 1, 0, 0], cache_hits: [0, 2, 0, 0] });
    expect(summary.latency_ms.p95).toEqual([null, 90, null, 40]);
  });

  it('derives the rates from the totals', () => {
    expect(summary.totals).toMatchObject({ requests: 14, errors: 1, cache_hits: 2, cost: '0.3000000001', cost_saved: '0.05' });
    expect(summary.totals.error_rate).toBeCloseTo(1 / 14, 12);
    expect(summary.totals.cache_hit_rate).toBeCloseTo(2 / 14, 12);
  });

  it('gives one cost series per model, most expensive first, with an exact total', () => {
    const colours = assignModelColours(['cheap', 'dear', 'quiet', null]);
    expect(summary.cost_by_model).toEqual([
      { model: 'dear', label: 'dear', colour: colours.get('dear'), total: '0.3', cost: [0, 0.1, 0, 0.2] },
      { model: 'cheap', label: 'cheap', colour: colours.get('cheap'), total: '0.0000000001', cost: [0, 1e-10, 0, 0] },
      { model: null, label: '(no model)', colour: noModelColour, total: '0', cost: [0, 0, 0, 0] },
    ]);
  });

  it('never names a series with nothing: rows without a model are one "(no model)" series', () => {
    const labels = summary.cost_by_model.map((series) => series.label);
    expect(labels.every((label) => label.length > 0 && label !== 'Value')).toBe(true);
    expect(labels.filter((label) => label === '(no model)')).toHaveLength(1);
  });

  it('lists every model of the period for the filter, by label with the no-model group last, in distinct colours', () => {
    expect(summary.models.map((model) => [model.model, model.label])).toEqual([
      ['cheap', 'cheap'],
      ['dear', 'dear'],
      ['quiet', 'quiet'],
      [null, '(no model)'],
    ]);
    expect(new Set(summary.models.map((model) => model.colour)).size).toBe(4);
    expect(summary.filter).toEqual({ models: null });
    expect(dashboardSummarySchema.safeParse(summary).success).toBe(true);
  });

  it('has no rates without requests', () => {
    const empty = buildDashboardSummary({
      scope: { kind: 'admin', project_id: null, project_name: null },
      from,
      to,
      bucket: 'hour',
      byTime: { data: [], total: row({}) },
      byTimeAndModel: [],
      models: [],
      filter: null,
      queues: [],
      batches: [],
    });
    expect(empty.totals.error_rate).toBeNull();
    expect(empty.totals.cache_hit_rate).toBeNull();
    expect(empty.traffic.requests).toEqual([0, 0, 0, 0]);
  });
});
