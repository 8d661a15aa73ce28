import { Redis } from 'ioredis';
import pg from 'pg';
import type { DependencyTarget } from '../config/dependency-target.ts';

/** One attempt may take this long (a black-holed address never refuses, it just says nothing). */
export const probeTimeoutMs = 3_000;

/**
 * One connection attempt to Redis and a PING, on a throwaway connection that does not retry by
 * itself. Throws the client's own error (ECONNREFUSED, WRONGPASS, NOAUTH), not ioredis's "Connection
 * is closed." that follows it.
 */
export async function probeRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: probeTimeoutMs, connectionName: 'llm-gateway-startup-probe' });
  let firstError: Error | undefined;
  redis.on('error', (error: Error) => {
    firstError ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw firstError ?? error;
  } finally {
    redis.disconnect();
  }
}

/** One connection to Postgres and a `SELECT 1`. */
export async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: probeTimeoutMs, application_name: 'llm-gateway-startup-probe' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function probeDependency(target: DependencyTarget): Promise<void> {
  return target.name === 'postgres' ? probePostgres(target.url) : probeRedis(target.url);
}
