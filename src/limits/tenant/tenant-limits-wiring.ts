import type { RedisClient } from '../../redis/redis-connections.ts';
import { duplicateRedis } from '../../redis/redis-connections.ts';
import type pg from 'pg';
import type { Logger } from '../../logging/logger.ts';
import { TenantAdmission } from './tenant-admission.ts';
import { TenantBudgetGate } from './tenant-budget-gate.ts';
import { SpendReservations } from './spend-reservations.ts';
import { TenantBudgets } from './tenant-budgets.ts';
import { TenantLimitsStore } from './tenant-limits-store.ts';
import { TenantRateLimiter } from './tenant-rate-limiter.ts';
import { TenantUsageMeter } from './tenant-usage-meter.ts';

/** An async job's lease lapses after this if its worker never reports (it only frees a slot early). */
const asyncLeaseTtlMs = 15 * 60_000;

/** The API process's per-key and per-project limits; listens for limit changes on `subscriber`. */
export async function startTenantAdmission(options: {
  pool: pg.Pool;
  redis: RedisClient;
  subscriber: RedisClient;
  prefix: string;
  logger: Logger;
  requestTimeoutMs: number;
}): Promise<TenantAdmission> {
  const store = new TenantLimitsStore({ pool: options.pool, redis: options.redis, prefix: options.prefix });
  await store.listen(options.subscriber);
  return new TenantAdmission({
    store,
    rateLimiter: new TenantRateLimiter({ redis: options.redis, prefix: options.prefix }),
    budgets: new TenantBudgets({ redis: options.redis, pool: options.pool, prefix: options.prefix }),
    logger: options.logger.child({ component: 'tenant-limits' }),
    syncLeaseTtlMs: options.requestTimeoutMs + 60_000,
    asyncLeaseTtlMs: Math.max(asyncLeaseTtlMs, options.requestTimeoutMs),
  });
}

export interface TenantWorkerLimits {
  meter: TenantUsageMeter;
  budgetGate: TenantBudgetGate;
  /** Provider batches' spend held while the provider works. */
  reservations: SpendReservations;
  close(): Promise<void>;
}

/**
 * The worker process's side: usage hooks and the batch budget gate, on a connection of their own
 * that fails fast (a worker's BullMQ connection retries forever, and a result write must never wait
 * on a counter).
 */
export function createTenantWorkerLimits(options: { pool: pg.Pool; redis: RedisClient; prefix: string; logger: Logger }): TenantWorkerLimits {
  const logger = options.logger.child({ component: 'tenant-limits' });
  const redis = duplicateRedis(options.redis, `${options.prefix}-tenant-limits`, logger, { maxRetriesPerRequest: 1, commandTimeout: 2000, enableAutoPipelining: true });
  const budgets = new TenantBudgets({ redis, pool: options.pool, prefix: options.prefix });
  // No broadcast listener in workers: a short cache picks up limit changes within seconds.
  const store = new TenantLimitsStore({ pool: options.pool, redis, prefix: options.prefix, ttlMs: 5000 });
  return {
    meter: new TenantUsageMeter({ budgets, rateLimiter: new TenantRateLimiter({ redis, prefix: options.prefix }), store, logger }),
    budgetGate: new TenantBudgetGate({ store, budgets, logger }),
    reservations: new SpendReservations({ pool: options.pool, budgets, logger }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
