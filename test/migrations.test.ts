import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from './support/test-services.ts';

describe('migrations', () => {
  let database: TestDatabase | undefined;
  afterAll(async () => database?.drop());

  it('apply once when several processes start together, and are idempotent', async () => {
    database = await createTestDatabase('migrations');
    const handles = [1, 2, 3].map(() => createDatabase({ url: database!.url, maxConnections: 1 }));
    try {
      await Promise.all(handles.map((handle) => runMigrations(handle.pool)));
      await runMigrations(handles[0]!.pool);
      const pool = handles[0]!.pool;
      const { rows: applied } = await pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(applied[0].n).toBeGreaterThan(0);
      const { rows: tables } = await pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
      expect(tables.map((row) => row.table_name)).toEqual([
        'api_keys',
        'batch_chunks',
        'batches',
        'file_lines',
        'files',
        'idempotency_keys',
        'projects',
        'provider_batches',
        'requests',
        'responses',
        'usage',
        'usage_daily_rollups',
        'usage_rollups',
        'webhook_attempts',
        'webhook_deliveries',
      ]);
      const { rows: cost } = await pool.query("SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = 'usage' AND column_name = 'cost'");
      expect(cost[0]).toEqual({ data_type: 'numeric', numeric_precision: 20, numeric_scale: 10 });
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
    }
  });
});
