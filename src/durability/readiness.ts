import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import { migrationsApplied } from '../db/migrate.ts';
import type { Shutdown } from './shutdown.ts';
import { withinTime } from './time-limit.ts';

export type ReadinessCheck = 'ok' | 'failing';

export interface ReadinessReport {
  /** `draining`: shutting down, whatever the checks say; take this process out of rotation. */
  status: 'ready' | 'not_ready' | 'draining';
  checks: Record<string, ReadinessCheck>;
}

/** A check that does not answer within this long counts as failing: a probe must not hang. */
const checkTimeLimitMs = 1500;

/**
 * What `/readyz` says, in every role: Postgres and Redis answer, the migrations this build needs are
 * applied, and the process is not draining. Each check is bounded in time.
 */
export function createReadiness(options: { pool: pg.Pool; redis: RedisClient; shutdown: Shutdown }): () => Promise<ReadinessReport> {
  const check = (what: string, probe: () => Promise<boolean>): Promise<ReadinessCheck> =>
    withinTime(probe(), checkTimeLimitMs, what).then(
      (ok) => (ok ? 'ok' : 'failing'),
      () => 'failing',
    );
  return async () => {
    const [postgres, redis, migrations] = await Promise.all([
      check('postgres', async () => (await options.pool.query('SELECT 1')).rowCount === 1),
      check('redis', async () => (await options.redis.ping()) === 'PONG'),
      check('migrations', () => migrationsApplied(options.pool)),
    ]);
    const checks = { postgres, redis, migrations };
    const status = options.shutdown.draining ? 'draining' : Object.values(checks).every((value) => value === 'ok') ? 'ready' : 'not_ready';
    return { status, checks };
  };
}
