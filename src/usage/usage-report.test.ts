import { describe, expect, it } from 'vitest';
import { totalOf, toUsageRow, type GroupedRow } from './usage-report.ts';

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

describe('totalOf', () => {
  it('adds counters, money exactly (no float drift, no exponent) and histograms element-wise', () => {
    const total = totalOf([
      row({ requests: 2, errors: 1, prompt_tokens: 10, cost_text: '0.1', cost_saved_text: '0.0000001', batch_saved_text: '0.7', latency_histogram: ['1', '2'] }),
      row({ requests: '3' as unknown as number, prompt_tokens: 5, cost_text: '0.2', batch_saved_text: '0.0000000001', latency_histogram: [0, 1, 4] }),
    ]);
    expect(total).toMatchObject({
      requests: 5,
      errors: 1,
      prompt_tokens: 15,
      cost_text: '0.3',
      cost_saved_text: '0.0000001',
      batch_saved_text: '0.7000000001',
      latency_histogram: [1, 3, 4],
    });
  });

  it('is all zeros for no groups', () => {
    expect(totalOf([])).toMatchObject({ requests: 0, cost_text: '0', latency_histogram: [] });
  });
});

describe('toUsageRow', () => {
  it('names the groups as the contract does: no provider or batch is null, a project has its name', () => {
    const usage = toUsageRow(
      row({
        project_id: 'proj_1',
        project_name: 'team-a',
        provider: '',
        served_by: 'batch_api',
        format: 'responses',
        batch_id: 'batch_1',
        day_text: '2024-06-01',
        hour: new Date('2024-06-01T05:00:00Z'),
        requests: 1,
        batch_saved_text: '0.25',
      }),
      ['project', 'provider', 'served_by', 'format', 'batch', 'day', 'hour'],
    );
    expect(usage).toMatchObject({
      project_id: 'proj_1',
      project: 'team-a',
      provider: null,
      served_by: 'batch_api',
      format: 'responses',
      batch_id: 'batch_1',
      day: '2024-06-01',
      hour: '2024-06-01T05:00:00.000Z',
      requests: 1,
      batch_saved: '0.25',
    });
    expect(Object.keys(usage).slice(0, 7)).toEqual(['project_id', 'project', 'provider', 'served_by', 'format', 'batch_id', 'day']);
    expect(usage.latency_ms).toEqual({ p50: null, p95: null, p99: null });
  });
});
