import { describe, expect, it } from 'vitest';
import { periodEnd, periodStart } from '../limits/tenant/tenant-budgets.ts';
import { applyLimitsPatch, parseStoredLimits, tenantLimitsPatchSchema, toLimitsView, unitsToUsd, usdToUnits } from './tenant-limits-schema.ts';

describe('tenant limits schema', () => {
  it('converts USD to exact 1e-10 units and back', () => {
    expect(usdToUnits('0.0000000001')).toBe(1n);
    expect(usdToUnits('12.5')).toBe(125_000_000_000n);
    expect(usdToUnits('0.0150000000')).toBe(150_000_000n);
    expect(usdToUnits('123456789012.9999999999')).toBe(1_234_567_890_129_999_999_999n);
    expect(unitsToUsd(125_000_000_000n)).toBe('12.5');
    expect(unitsToUsd(1n)).toBe('0.0000000001');
    expect(unitsToUsd(0n)).toBe('0');
  });

  it('merges a PUT body: left out keeps, null clears, budgets: null clears all', () => {
    const first = applyLimitsPatch(null, { rpm: 10, budgets: { dailyUsd: '007.50' } });
    expect(first).toEqual({ rpm: 10, budgets: { dailyUsd: '7.5' } });
    const second = applyLimitsPatch(first, { tpm: 100, budgets: { totalUsd: '1.000' } });
    expect(second).toEqual({ rpm: 10, tpm: 100, budgets: { dailyUsd: '7.5', totalUsd: '1' } });
    expect(applyLimitsPatch(second, { rpm: null, tpm: null, budgets: null })).toBeNull();
    expect(toLimitsView(null)).toEqual({ rpm: null, tpm: null, maxConcurrent: null, budgets: { dailyUsd: null, monthlyUsd: null, totalUsd: null } });
  });

  it('refuses negative, fractional, non-numeric and float-money values', () => {
    for (const body of [{ rpm: 0 }, { rpm: -1 }, { tpm: 1.5 }, { maxConcurrent: '2' }, { budgets: { dailyUsd: 1 } }, { budgets: { dailyUsd: '-1' } }, { budgets: { dailyUsd: '1e3' } }, { extra: 1 }]) {
      expect(tenantLimitsPatchSchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });

  it('treats a stored value that is not limits as none', () => {
    expect(parseStoredLimits({ rpm: 'many' })).toBeNull();
    expect(parseStoredLimits({})).toBeNull();
    expect(parseStoredLimits({ maxConcurrent: 3 })).toEqual({ maxConcurrent: 3 });
  });

  it('budget periods are UTC days and months', () => {
    const at = new Date('2025-12-31T23:30:00Z');
    expect(periodStart('daily', at)?.toISOString()).toBe('2025-12-31T00:00:00.000Z');
    expect(periodEnd('daily', at)?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(periodStart('monthly', at)?.toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(periodEnd('monthly', at)?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(periodStart('total', at)).toBeNull();
  });
});
