import type pg from 'pg';
import type { Logger } from '../../logging/logger.ts';
import type { TenantBudgets } from './tenant-budgets.ts';

/** Whose budgets a reservation counts against. */
export interface ReservationOwner {
  apiKeyId: string;
  projectId: string;
}

/**
 * Spend held by provider batches while the provider works (up to 24 hours): a part reserves its
 * estimated cost when it is submitted and gives it back when its results are in (their real cost is
 * billed line by line then). The reservation is recorded on the part's row (`reserved_cost`), so the
 * budget counters rebuilt from Postgres include it, and each part reserves and releases once.
 * Never rejects: a failure is logged, and the counters heal on their next resync.
 */
export class SpendReservations {
  constructor(
    private readonly options: {
      pool: pg.Pool;
      budgets: TenantBudgets;
      logger: Logger;
    },
  ) {}

  async reserve(owner: ReservationOwner, partId: string, cost: string): Promise<void> {
    try {
      const { rows } = await this.options.pool.query<{ id: string }>('UPDATE provider_batches SET reserved_cost = $2 WHERE id = $1 AND reserved_cost = 0 AND $2::numeric > 0 RETURNING id', [
        partId,
        cost,
      ]);
      if (rows.length > 0) await this.options.budgets.recordSpend([{ apiKeyId: owner.apiKeyId, projectId: owner.projectId, cost, at: new Date() }]);
    } catch (error) {
      this.options.logger.warn({ err: error, partId }, 'spend reservation of a provider batch failed');
    }
  }

  async release(owner: ReservationOwner, partId: string): Promise<void> {
    try {
      const { rows } = await this.options.pool.query<{ reserved: string }>(
        `WITH held AS (SELECT id, reserved_cost FROM provider_batches WHERE id = $1 AND reserved_cost > 0 FOR UPDATE)
         UPDATE provider_batches p SET reserved_cost = 0 FROM held WHERE p.id = held.id RETURNING held.reserved_cost::text AS reserved`,
        [partId],
      );
      const reserved = rows[0]?.reserved;
      if (reserved !== undefined) await this.options.budgets.recordSpend([{ apiKeyId: owner.apiKeyId, projectId: owner.projectId, cost: `-${reserved}`, at: new Date() }]);
    } catch (error) {
      this.options.logger.warn({ err: error, partId }, 'spend reservation of a provider batch not released');
    }
  }
}
