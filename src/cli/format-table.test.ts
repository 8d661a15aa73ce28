import { describe, expect, it } from 'vitest';
import { formatTable, formatUsd } from './format-table.ts';
import type { UsageReport } from './gateway-schemas.ts';
import { formatUsageTable } from './usage-table.ts';

describe('formatTable', () => {
  it('pads columns to their widest cell, numbers to the right, with no trailing spaces', () => {
    const table = formatTable(
      [{ title: 'ID' }, { title: 'COUNT', align: 'right' }, { title: 'NOTE' }],
      [
        ['a', '1', ''],
        ['long-id', '1,234', 'x'],
      ],
    );
    expect(table.split('\n')).toEqual(['ID       COUNT  NOTE', 'a            1', 'long-id  1,234  x']);
  });
});

describe('formatUsd', () => {
  it('shows the decimal string as sent, trailing zeros dropped, cents kept', () => {
    expect(formatUsd('0.0012500000')).toBe('0.00125');
    expect(formatUsd('12.5')).toBe('12.50');
    expect(formatUsd('0')).toBe('0.00');
    expect(formatUsd('1234567.1000000001')).toBe('1,234,567.1000000001');
    expect(formatUsd('not a number')).toBe('not a number');
  });
});

const counters = (requests: number, cost: string) => ({
  requests,
  errors: 0,
  cache_hits: 0,
  input_tokens: requests * 10,
  cached_input_tokens: 0,
  output_tokens: requests * 2,
  cost,
  cost_saved: '0',
  latency_ms: { p50: 12.4, p95: null, p99: null },
});

describe('formatUsageTable', () => {
  it('has a column per group, a row per group value and a TOTAL row', () => {
    const report: UsageReport = {
      object: 'list',
      from: '2025-06-01T00:00:00.000Z',
      to: '2025-06-02T00:00:00.000Z',
      group_by: ['model'],
      data: [
        { model: 'a', ...counters(3, '0.0030000000') },
        { model: 'b', ...counters(1, '0.0010000000') },
      ],
      total: counters(4, '0.0040000000'),
    };
    const lines = formatUsageTable(report).split('\n');
    expect(lines[0]).toMatch(/^MODEL +REQUESTS +ERRORS +CACHE HITS +INPUT TOKENS +OUTPUT TOKENS +COST \$ +P50 MS +P95 MS$/);
    expect(lines[1]).toMatch(/^a +3 +0 +0 +30 +6 +0\.003 +12 +–$/);
    expect(lines[3]).toMatch(/^TOTAL +4 +0 +0 +40 +8 +0\.004 +12 +–$/);
    expect(lines).toHaveLength(4);
  });

  it('names who served each group', () => {
    const report: UsageReport = {
      object: 'list',
      from: 'a',
      to: 'b',
      group_by: ['served_by'],
      data: [
        { served_by: 'batch_api', ...counters(2, '0.5'), batch_saved: '0.5' },
        { served_by: 'gateway', ...counters(1, '0.25') },
      ],
      total: counters(3, '0.75'),
    };
    const lines = formatUsageTable(report).split('\n');
    expect(lines[0]).toMatch(/^SERVED BY +REQUESTS /);
    expect(lines.slice(1).map((line) => line.split(/ +/)[0])).toEqual(['batch_api', 'gateway', 'TOTAL']);
  });

  it('names the client format of each group', () => {
    const report: UsageReport = {
      object: 'list',
      from: 'a',
      to: 'b',
      group_by: ['model', 'format'],
      data: [
        { model: 'gpt', format: 'messages', ...counters(2, '0.5') },
        { model: 'gpt', format: 'responses', ...counters(1, '0.25') },
      ],
      total: counters(3, '0.75'),
    };
    const lines = formatUsageTable(report).split('\n');
    expect(lines[0]).toMatch(/^MODEL +FORMAT +REQUESTS /);
    expect(lines.slice(1, 3).map((line) => line.split(/ +/)[1])).toEqual(['messages', 'responses']);
  });

  it('is the total alone without groups', () => {
    const report: UsageReport = { object: 'list', from: 'a', to: 'b', group_by: [], data: [{ ...counters(2, '1') }], total: counters(2, '1') };
    expect(formatUsageTable(report).split('\n')).toHaveLength(2);
  });
});
