import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * Each test file gets its own Postgres database and Redis key prefix, so files run in parallel
 * without seeing each other's rows, queues or channels.
 */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function uniqueName(label: string): string {
  return `${label}_${randomBytes(5).toString('hex')}`;
}

export async function createTestDatabase(label = 'gw'): Promise<TestDatabase> {
  const baseUrl = inject('databaseUrl');
  const name = uniqueName(`test_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** Deletes every key under a prefix (the test's queues, channels and caches). */
export async function deleteRedisPrefix(prefix: string, redisUrl = testRedisUrl()): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
