import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

const localDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';
const localRedisUrl = 'redis://127.0.0.1:6379';

/**
 * Postgres and Redis for the suite: DATABASE_URL / REDIS_URL when set; otherwise containers where a
 * container runtime exists (a laptop with Docker); otherwise the local services our machines run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<unknown>> = [];
  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    const containers = await startContainers().catch(() => undefined);
    if (containers) {
      databaseUrl ??= containers.databaseUrl;
      redisUrl ??= containers.redisUrl;
      stops.push(containers.stop);
    }
  }
  project.provide('databaseUrl', databaseUrl ?? localDatabaseUrl);
  project.provide('redisUrl', redisUrl ?? localRedisUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}

async function startContainers(): Promise<{ databaseUrl: string; redisUrl: string; stop: () => Promise<void> }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  // Throws at once ("Could not find a working container runtime strategy") where there is no engine.
  await getContainerRuntimeClient();
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [postgres, redis] = await Promise.all([new PostgreSqlContainer('postgres:16-alpine').withDatabase('test').start(), new RedisContainer('redis:7-alpine').start()]);
  return {
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}
