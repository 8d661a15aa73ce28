import { getTableConfig } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { usageDailyRollups, usageRollups } from '../db/schema/usage-rollups.ts';
import { rebuildHourlySql } from './rebuild-usage-rollups.ts';
import { rollupKeyColumns, rollupUpsertCtes } from './rollup-sql.ts';

describe('rollupKeyColumns', () => {
  it("are the rollup tables' primary keys after the time bucket, in the same order", () => {
    const keyOf = (table: typeof usageRollups | typeof usageDailyRollups) => getTableConfig(table).primaryKeys[0]!.columns.map((column) => column.name);
    expect(keyOf(usageRollups)).toEqual(['hour', ...rollupKeyColumns]);
    expect(keyOf(usageDailyRollups)).toEqual(['day', ...rollupKeyColumns]);
    expect(rollupKeyColumns).toContain('format');
  });
});

describe('rollupUpsertCtes', () => {
  it('groups, orders and upserts on every key column, format included', () => {
    const ctes = rollupUpsertCtes('settled');
    const keys = rollupKeyColumns.join(', ');
    expect(ctes).toContain(`FROM settled GROUP BY 1, ${keys}`);
    expect(ctes).toContain(`ON CONFLICT (hour, ${keys})`);
    expect(ctes).toContain(`ON CONFLICT (day, ${keys})`);
  });
});

describe('rebuildHourlySql', () => {
  it('takes the format and routing rule from the request row, as keys of their own', () => {
    expect(rebuildHourlySql).toContain("ELSE 'batch_api' END, r.format, coalesce(r.batch_id, ''), coalesce(r.routing_rule, '')");
    expect(rebuildHourlySql).toContain('GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9\n');
  });
});
