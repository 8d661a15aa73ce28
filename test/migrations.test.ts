import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/client.ts';
import { migrationsFolder, runMigrations } from '../src/db/migrate.ts';
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

  it('gives requests recorded before requests.format the format of their operation', async () => {
    const before = await createTestDatabase('migrationsformat');
    const handle = createDatabase({ url: before.url, maxConnections: 1 });
    // The migrations up to the one that adds the column, from a copy of the folder with a shorter journal.
    const earlier = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      await cp(migrationsFolder, earlier, { recursive: true });
      const journalPath = join(earlier, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
      const adding = journal.entries.findIndex((entry) => entry.tag.endsWith('_request_format'));
      expect(adding).toBeGreaterThan(0);
      await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, adding) }));
      await migrate(drizzle(handle.pool), { migrationsFolder: earlier });
      await handle.pool.query("INSERT INTO projects (id, name) VALUES ('proj_m', 'm')");
      await handle.pool.query("INSERT INTO api_keys (id, project_id, name, key_hash, key_prefix) VALUES ('key_m', 'proj_m', 'k', 'hash', 'gw-')");
      await handle.pool.query(
        "INSERT INTO requests (id, project_id, api_key_id, kind, status, model, operation) VALUES ('req_chat', 'proj_m', 'key_m', 'sync', 'completed', 'm', 'chat'), ('req_embed', 'proj_m', 'key_m', 'sync', 'completed', 'm', 'embeddings')",
      );
      await runMigrations(handle.pool);
      const { rows } = await handle.pool.query('SELECT id, format FROM requests ORDER BY id');
      expect(rows).toEqual([
        { id: 'req_chat', format: 'chat' },
        { id: 'req_embed', format: 'embeddings' },
      ]);
    } finally {
      await handle.close();
      await before.drop();
      await rm(earlier, { recursive: true, force: true });
    }
  });
});
