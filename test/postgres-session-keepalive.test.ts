import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { applySessionKeepalive, sessionKeepalive } from '../src/db/session-keepalive.ts';
import { createTestDatabase, type TestDatabase } from './support/test-services.ts';

/**
 * Every session of the gateway's pool asks the server for TCP keepalives, so Postgres ends it soon
 * after its host vanishes (test/multi-host.test.ts shows the reconciler's lock moving on then). Over
 * TCP, as here, SHOW reads the setting back from the server's socket.
 */
describe('Postgres session keepalive', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase('keepalive');
    handle = createDatabase({ url: database.url, maxConnections: 3 });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('is set on each connection of the pool before its first query', async () => {
    const clients = await Promise.all([handle.pool.connect(), handle.pool.connect(), handle.pool.connect()]);
    try {
      for (const client of clients) {
        const { rows } = await client.query<Record<string, string>>(
          `SELECT current_setting('tcp_keepalives_idle') AS tcp_keepalives_idle, current_setting('tcp_keepalives_interval') AS tcp_keepalives_interval,
                  current_setting('tcp_keepalives_count') AS tcp_keepalives_count, current_setting('tcp_user_timeout') AS tcp_user_timeout,
                  inet_client_addr() IS NOT NULL AS over_tcp`,
        );
        expect(rows[0]).toEqual({ ...Object.fromEntries(Object.entries(sessionKeepalive).map(([name, value]) => [name, String(value)])), over_tcp: true });
      }
    } finally {
      for (const client of clients) client.release();
    }
  });

  it('a setting the server refuses fails nothing: false, and the session goes on', async () => {
    const client = await handle.pool.connect();
    try {
      // An aborted transaction refuses every statement, set_config included.
      await client.query('BEGIN');
      await expect(client.query('SELECT 1 / 0')).rejects.toThrow(/division by zero/);
      expect(await applySessionKeepalive(client)).toBe(false);
      await client.query('ROLLBACK');
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });
});
