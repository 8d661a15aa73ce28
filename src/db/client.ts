import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';
import { connectionErrors } from '../logging/connection-error-log.ts';
import type { Logger } from '../logging/logger.ts';
import { connectionAddress } from '../config/dependency-target.ts';
import { applySessionKeepalive } from './session-keepalive.ts';

export type Database = NodePgDatabase<typeof schema>;

export interface DatabaseHandle {
  pool: pg.Pool;
  db: Database;
  close(): Promise<void>;
}

/** Numeric columns come back as strings (exact); bigint counts as JS numbers (they fit). */
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createDatabase(options: {
  url: string;
  maxConnections?: number;
  applicationName?: string;
  /** Where an idle connection's errors (Postgres restarted, unreachable) are reported, rate-limited. */
  logger?: Logger;
}): DatabaseHandle {
  const { logger } = options;
  let keepaliveRefused = false;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 20,
    application_name: options.applicationName ?? 'llm-gateway',
    // Before the connection is used: the server ends it soon after this host vanishes (session-keepalive.ts).
    onConnect: async (client) => {
      if ((await applySessionKeepalive(client)) || keepaliveRefused) return;
      keepaliveRefused = true;
      logger?.warn('Postgres refused the TCP keepalive settings: sessions of a host that vanishes stay open (and keep their locks) for the OS default');
    },
  });
  // An idle client's error (e.g. Postgres restarted) must not crash the process; the pool replaces it.
  const target = { variable: 'DATABASE_URL', address: connectionAddress(options.url, 'postgres'), label: 'Postgres' };
  pool.on('error', (error) => {
    if (logger) connectionErrors.failed(target, 'pool', error, logger);
  });
  if (logger) pool.on('connect', () => connectionErrors.recovered(target, logger));
  const db = drizzle(pool, { schema });
  return {
    pool,
    db,
    close: () => pool.end(),
  };
}
