import { describe, expect, it } from 'vitest';
import type { GroupedRow } from '../usage/usage-report.ts';
import { parseModelFilter, selectUsage } from './dashboard-models.ts';

const row = (fields: Partial<GroupedRow>): GroupedRow => ({
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
  ...fields,
});
const eleven = new Date('2024-06-01T11:00:00Z');
const thirteen = new Date('2024-06-01T13:00:00Z');
const rows = [
  row({ model: 'a', hour: eleven, requests: 2, errors: 1, cost_text: '0.1', latency_histogram: [1, 1] }),
  row({ model: 'b', hour: eleven, requests: 3, cache_hits: 1, cost_text: '0.2', latency_histogram: [0, 3] }),
  row({ model: '', hour: eleven, requests: 1, errors: 1 }),
  row({ model: 'a', hour: thirteen, requests: 4, cost_text: '0.0000000001', latency_histogram: [4] }),
];

describe('parseModelFilter', () => {
  it('is null (every model) without the parameter; one or several names otherwise, empty for no model', () => {
    expect(parseModelFilter(undefined)).toBeNull();
    expect(parseModelFilter('gpt-4o')).toEqual(['gpt-4o']);
    expect(parseModelFilter(['b', 'a', 'b', ''])).toEqual(['b', 'a', null]);
  });
});

describe('selectUsage', () => {
  it('adds every model up per bucket and in total when unfiltered, money exactly', () => {
    const usage = selectUsage(rows, { bucket: 'hour', filter: null });
    expect(usage.byTime.data.map((bucket) => [bucket.hour, bucket.requests, bucket.errors, bucket.cache_hits, bucket.cost])).toEqual([
      ['2024-06-01T11:00:00.000Z', 6, 2, 1, '0.3'],
      ['2024-06-01T13:00:00.000Z', 4, 0, 0, '0.0000000001'],
    ]);
    expect(usage.byTime.total).toMatchObject({ requests: 10, errors: 2, cache_hits: 1, cost: '0.3000000001' });
    expect(usage.models).toEqual(['a', 'b', null]);
    expect(usage.byTimeAndModel.map((usageRow) => usageRow.model)).toEqual(['a', 'b', null, 'a']);
  });

  it('narrows the buckets, the total and the latency to the chosen models, and still lists every model', () => {
    const usage = selectUsage(rows, { bucket: 'hour', filter: ['b', null] });
    expect(usage.byTime.data.map((bucket) => [bucket.hour, bucket.requests])).toEqual([['2024-06-01T11:00:00.000Z', 4]]);
    expect(usage.byTime.total).toMatchObject({ requests: 4, errors: 1, cache_hits: 1, cost: '0.2' });
    // Latency percentiles from b's histogram alone (the no-model row has no samples).
    expect(usage.byTime.total.latency_ms).toEqual(selectUsage([rows[1] as GroupedRow], { bucket: 'hour', filter: null }).byTime.total.latency_ms);
    expect(usage.byTime.total.latency_ms.p50).not.toEqual(selectUsage(rows, { bucket: 'hour', filter: null }).byTime.total.latency_ms.p50);
    expect(usage.models).toEqual(['a', 'b', null]);
    expect(usage.byTimeAndModel.map((usageRow) => usageRow.model)).toEqual(['b', null]);
  });

  it('keys daily rows by their day', () => {
    const daily = [row({ model: 'a', day_text: '2024-06-01', requests: 1 }), row({ model: 'b', day_text: '2024-06-01', requests: 2 })];
    expect(selectUsage(daily, { bucket: 'day', filter: null }).byTime.data).toEqual([expect.objectContaining({ day: '2024-06-01', requests: 3 })]);
  });
});
