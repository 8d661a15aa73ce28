import type { RedisClient } from '../../redis/redis-connections.ts';
import type pg from 'pg';
import { budgetField, budgetPeriods, unitsToUsd, usdToUnits, type BudgetPeriod, type TenantBudgetLimits } from '../../auth/tenant-limits-schema.ts';
import { tenantKeyBase, type TenantScope } from './tenant-rate-limiter.ts';
import { partsBySlot } from '../../redis/key-slots.ts';
import { RedisScript } from '../../redis/redis-script.ts';

/** A scope over one of its budgets: what the 429 (or the batch line's error) tells. */
export interface BudgetVerdict {
  scope: TenantScope;
  period: BudgetPeriod;
  budgetUsd: string;
  spentUsd: string;
  /** When the period's spend starts again from zero; null for the total budget. */
  resetsAt: Date | null;
}

/** Cost billed to a key (and its project) at a time; `cost` is the `usage.cost` decimal. */
export interface SpendEntry {
  apiKeyId: string;
  projectId: string;
  cost: string;
  at: Date;
}

/**
 * Adds spend only to counters that exist: a missing counter is rebuilt from Postgres on its next
 * check, and must not be started from zero by an increment (it would then miss everything before).
 */
const addSpendScript = new RedisScript(`
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i]) end
end
return 0
`);

const scopeColumn = { key: 'api_key_id', project: 'project_id' } as const;

/**
 * Spend per key and project per UTC day, UTC month and in total, counted in Redis in exact 1e-10 USD
 * units (`usage.cost`'s scale) and incremented as usage rows are written. Postgres is the source of
 * truth: a counter Redis does not have is rebuilt from `sum(usage.cost)`, and every counter expires
 * after `resyncMs` so drift (a lost increment, a Redis restart) heals from Postgres.
 */
export class TenantBudgets {
  private readonly rebuilding = new Map<string, Promise<bigint>>();
  private readonly resyncMs: number;

  constructor(
    private readonly options: {
      redis: RedisClient;
      pool: pg.Pool;
      prefix: string;
      /** How long a counter lives before it is recounted from Postgres. @defaultValue 3600000 */
      resyncMs?: number;
    },
  ) {
    this.resyncMs = options.resyncMs ?? 3_600_000;
  }

  /** The first budget (key before project; day, month, total) whose spend has reached it, if any. */
  async exceeded(scopes: ReadonlyArray<{ scope: TenantScope; budgets: TenantBudgetLimits | undefined }>, now = new Date()): Promise<BudgetVerdict | null> {
    const checks = scopes.flatMap(({ scope, budgets }) =>
      budgetPeriods.flatMap((period) => {
        const budget = budgets?.[budgetField[period]];
        return budget === undefined ? [] : [{ scope, period, budget, key: this.key(scope, period, now), since: periodStart(period, now) }];
      }),
    );
    if (checks.length === 0) return null;
    const values = await this.options.redis.mget(...checks.map((check) => check.key));
    for (const [index, check] of checks.entries()) {
      const stored = values[index];
      const spent = stored === null || stored === undefined ? await this.rebuild(check.key, check.scope, check.since) : BigInt(stored);
      if (spent >= usdToUnits(check.budget)) {
        return { scope: check.scope, period: check.period, budgetUsd: check.budget, spentUsd: unitsToUsd(spent), resetsAt: periodEnd(check.period, now) };
      }
    }
    return null;
  }

  /**
   * Counts billed cost into the existing day, month and total counters of each key and project. A
   * negative cost takes a reservation back (see `SpendReservations`).
   */
  async recordSpend(entries: readonly SpendEntry[]): Promise<void> {
    const increments = new Map<string, bigint>();
    for (const entry of entries) {
      const units = usdToUnits(entry.cost);
      if (units === 0n) continue;
      const scopes: TenantScope[] = [
        { kind: 'key', id: entry.apiKeyId, projectId: entry.projectId },
        { kind: 'project', id: entry.projectId },
      ];
      for (const scope of scopes) {
        for (const period of budgetPeriods) {
          const key = this.key(scope, period, entry.at);
          increments.set(key, (increments.get(key) ?? 0n) + units);
        }
      }
    }
    if (increments.size === 0) return;
    // One script call (per project on a Redis Cluster, where each project has its own slot).
    const parts = partsBySlot(this.options.redis, [...increments], ([key]) => key);
    await Promise.all(
      parts.map((part) =>
        addSpendScript.run(
          this.options.redis,
          part.map(([key]) => key),
          part.map(([, units]) => units.toString()),
        ),
      ),
    );
  }

  /** Single-flight per counter: many requests missing the same counter share one sum. */
  private rebuild(key: string, scope: TenantScope, since: Date | null): Promise<bigint> {
    let pending = this.rebuilding.get(key);
    if (!pending) {
      pending = this.sumFromPostgres(key, scope, since).finally(() => this.rebuilding.delete(key));
      this.rebuilding.set(key, pending);
    }
    return pending;
  }

  private async sumFromPostgres(key: string, scope: TenantScope, since: Date | null): Promise<bigint> {
    // Billed usage, plus what provider batches still running have reserved (see SpendReservations).
    const { rows } = await this.options.pool.query<{ spent: string }>(
      `SELECT (coalesce((SELECT sum(cost) FROM usage WHERE ${scopeColumn[scope.kind]} = $1 AND ($2::timestamptz IS NULL OR created_at >= $2)), 0)
             + coalesce((SELECT sum(pb.reserved_cost) FROM provider_batches pb JOIN batches b ON b.id = pb.batch_id
                         WHERE b.${scopeColumn[scope.kind]} = $1 AND pb.reserved_cost > 0 AND ($2::timestamptz IS NULL OR pb.submitted_at >= $2)), 0))::text AS spent`,
      [scope.id, since?.toISOString() ?? null],
    );
    const spent = usdToUnits(rows[0]?.spent ?? '0');
    // NX: another process may have rebuilt it meanwhile (and increments may have landed on it).
    const set = await this.options.redis.set(key, spent.toString(), 'PX', this.resyncMs, 'NX');
    if (set === 'OK') return spent;
    const current = await this.options.redis.get(key);
    return current === null ? spent : BigInt(current);
  }

  private key(scope: TenantScope, period: BudgetPeriod, at: Date): string {
    const iso = at.toISOString();
    const suffix = period === 'daily' ? `day:${iso.slice(0, 10)}` : period === 'monthly' ? `month:${iso.slice(0, 7)}` : 'total';
    return `${tenantKeyBase(this.options.prefix, scope)}:spend:${suffix}`;
  }
}

export function scopeLabel(scope: TenantScope): string {
  return scope.kind === 'key' ? `API key ${scope.id}` : `project ${scope.id}`;
}

/** What a refused request (429 `insufficient_quota`) or a stopped batch line (`budget_exceeded`) says. */
export function budgetMessage(verdict: BudgetVerdict): string {
  const next = verdict.resetsAt ? `it resets at ${verdict.resetsAt.toISOString()}` : 'raise or clear the budget to continue';
  return `The ${scopeLabel(verdict.scope)} has spent $${verdict.spentUsd} of its ${verdict.period} budget of $${verdict.budgetUsd}; ${next}.`;
}

/** Start of the UTC day or month `at` falls in; null for the total. */
export function periodStart(period: BudgetPeriod, at: Date): Date | null {
  if (period === 'daily') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  if (period === 'monthly') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  return null;
}

export function periodEnd(period: BudgetPeriod, at: Date): Date | null {
  if (period === 'daily') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
  if (period === 'monthly') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return null;
}
