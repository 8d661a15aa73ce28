import type { Logger } from '../../logging/logger.ts';
import type { BatchBilling } from '../../records/batch-result-writer.ts';
import type { AfterResultsWritten, WrittenUsage } from '../../records/result-store.ts';
import type { TenantBudgets } from './tenant-budgets.ts';
import type { TenantLimitsStore } from './tenant-limits-store.ts';
import type { TenantRateLimiter, TenantScope } from './tenant-rate-limiter.ts';

/**
 * The worker side of per-key and per-project limits, hooked where usage is written (after the
 * commit, on the rows actually inserted, so a duplicate write counts nothing):
 * - sync and async requests (`ResultStore`): their cost into the spend counters, their tokens into
 *   the TPM windows of scopes with a TPM limit, and an async job's concurrency lease released now
 *   that it has ended;
 * - batch lines (`BatchResultWriter`): their cost into the spend counters only. Batch tokens do not
 *   count towards TPM: a batch must not starve its own project's interactive traffic.
 * Never rejects: a Redis failure is logged, and the counters heal from Postgres on their next resync.
 */
export class TenantUsageMeter {
  constructor(
    private readonly options: {
      budgets: TenantBudgets;
      rateLimiter: TenantRateLimiter;
      /** Which scopes have a TPM limit (cached briefly). */
      store: TenantLimitsStore;
      logger: Logger;
    },
  ) {}

  readonly afterResultsWritten: AfterResultsWritten = async ({ outcomes, billed }) => {
    const work: Array<Promise<void>> = [];
    if (billed.length > 0) {
      work.push(this.options.budgets.recordSpend(billed.map((row) => ({ apiKeyId: row.apiKeyId, projectId: row.projectId, cost: row.cost, at: row.createdAt }))));
      work.push(this.chargeTokens(billed));
    }
    for (const outcome of outcomes) {
      if (outcome.kind !== 'async') continue;
      const scopes: TenantScope[] = [
        { kind: 'key', id: outcome.apiKeyId, projectId: outcome.projectId },
        { kind: 'project', id: outcome.projectId },
      ];
      work.push(this.options.rateLimiter.release(scopes, outcome.requestId));
    }
    await this.settle(work);
  };

  readonly afterBatchBilled = async (billed: BatchBilling[]): Promise<void> => {
    const at = new Date();
    await this.settle([this.options.budgets.recordSpend(billed.map((row) => ({ apiKeyId: row.apiKeyId, projectId: row.projectId, cost: row.cost, at })))]);
  };

  /** Only into the windows of scopes with a TPM limit: a log entry per request is not free. */
  private async chargeTokens(billed: readonly WrittenUsage[]): Promise<void> {
    const limits = await Promise.all(billed.map((row) => this.options.store.forPrincipal({ apiKeyId: row.apiKeyId, projectId: row.projectId })));
    const charges = billed.flatMap((row, index) => {
      const scopes: TenantScope[] = [];
      if (limits[index]?.key?.tpm !== undefined) scopes.push({ kind: 'key', id: row.apiKeyId, projectId: row.projectId });
      if (limits[index]?.project?.tpm !== undefined) scopes.push({ kind: 'project', id: row.projectId });
      return scopes.map((scope) => ({ scope, requestId: row.requestId, tokens: row.totalTokens }));
    });
    await this.options.rateLimiter.chargeTokens(charges);
  }

  private async settle(work: Array<Promise<void>>): Promise<void> {
    for (const result of await Promise.allSettled(work)) {
      if (result.status === 'rejected') this.options.logger.warn({ err: result.reason }, 'tenant usage counters not updated; they resync from Postgres');
    }
  }
}
