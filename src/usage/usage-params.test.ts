import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import { thrownBy } from '../../test/support/thrown-by.ts';
import { parseUsageGroups, parseUsageTime, resolveUsageRange } from './usage-params.ts';

describe('parseUsageTime', () => {
  it.each([
    ['1717200000', '2024-06-01T00:00:00.000Z'],
    ['1717200000.5', '2024-06-01T00:00:00.500Z'],
    ['2024-06-01', '2024-06-01T00:00:00.000Z'],
    ['2024-06-01T12:30:00Z', '2024-06-01T12:30:00.000Z'],
    ['2024-06-01T12:30Z', '2024-06-01T12:30:00.000Z'],
    ['2024-06-01T12:30:00.123+02:00', '2024-06-01T10:30:00.123Z'],
    ['2024-06-01 12:30:00-0130', '2024-06-01T14:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseUsageTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', '2024-06-01T12:30:00', '2024-02-31', '2024-13-01', '2024-06-01T25:00:00Z', '-5', '1e9', 'NaN'])('refuses %j', (text) => {
    expect(parseUsageTime(text)).toBeUndefined();
  });
});

describe('parseUsageGroups', () => {
  it('reads a comma list or repeated values, in canonical order, without duplicates', () => {
    expect(parseUsageGroups(undefined)).toEqual([]);
    expect(parseUsageGroups('')).toEqual([]);
    expect(parseUsageGroups('day, model,Model')).toEqual(['model', 'day']);
    expect(parseUsageGroups(['hour', 'key,project'])).toEqual(['project', 'key', 'hour']);
    expect(parseUsageGroups('batch,served_by,provider')).toEqual(['provider', 'served_by', 'batch']);
    expect(parseUsageGroups('batch,format,served_by')).toEqual(['served_by', 'format', 'batch']);
  });

  it('refuses an unknown group with param group_by', () => {
    const error = thrownBy(() => parseUsageGroups('model,region'));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'invalid_request_body', param: 'group_by' });
    expect((error as Error).message).toContain("'region'");
  });
});

describe('resolveUsageRange', () => {
  const now = new Date('2024-06-10T15:42:10Z');

  it('defaults to the last 24 hours, widened to whole hours', () => {
    const range = resolveUsageRange({}, now);
    expect(range.from.toISOString()).toBe('2024-06-09T15:00:00.000Z');
    expect(range.to.toISOString()).toBe('2024-06-10T16:00:00.000Z');
  });

  it('takes from and to, and from alone (to = now)', () => {
    expect(resolveUsageRange({ from: '2024-06-01', to: '2024-06-03T00:00:00Z' }, now)).toEqual({
      from: new Date('2024-06-01T00:00:00Z'),
      to: new Date('2024-06-03T00:00:00Z'),
    });
    expect(resolveUsageRange({ from: '1717200000' }, now).to.toISOString()).toBe('2024-06-10T16:00:00.000Z');
  });

  it.each([
    [{ from: '2024-06-02', to: '2024-06-01' }, 'from'],
    [{ from: '2024-06-01', to: '2024-06-01' }, 'from'],
    [{ from: 'last week' }, 'from'],
    [{ to: '2024-06-01T00:00:00' }, 'to'],
  ])('refuses %j with param %s', (query, param) => {
    expect(thrownBy(() => resolveUsageRange(query, now))).toMatchObject({ code: 'invalid_request_body', param });
  });
});
