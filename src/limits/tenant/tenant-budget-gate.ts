import { GatewayError } from '../../errors/gateway-error.ts';
import type { Logger } from '../../logging/logger.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import type { Limiter } from '../provider/provider-limits.ts';
import { budgetMessage, type BudgetVerdict, type TenantBudgets } from './tenant-budgets.ts';
import type { TenantLimitsStore } from './tenant-limits-store.ts';

/** Whose money a batch line spends. */
export interface BudgetOwner {
  apiKeyId: string;
  projectId: string;
}

/**
 * A batch line stopped because its key or project is over a spend budget. A ProviderError (not
 * retryable, no HTTP status) so it leaves `callWithRetries` as the line's failure without a call.
 */
export class TenantBudgetExceededError extends ProviderError {
  constructor(
    readonly verdict: BudgetVerdict,
    provider: string,
  ) {
    super({ provider, code: 'budget_exceeded', message: budgetMessage(verdict), retryable: false });
  }

  static isBudgetStop(error: unknown): error is TenantBudgetExceededError {
    return error instanceof TenantBudgetExceededError;
  }

  /** The line's error: `budget_exceeded`, with the budget's own message (no provider prefix). */
  toGatewayError(): GatewayError {
    return new GatewayError({ code: 'budget_exceeded', message: this.message });
  }
}

interface CachedVerdict {
  verdict: BudgetVerdict | null;
  checkedAt: number;
  pending: Promise<BudgetVerdict | null> | undefined;
}

/**
 * The worker side of budgets: whether a batch's key or project has spent a budget, asked by every
 * line right before its provider call (inside the provider slot, so lines queued behind the limiter
 * are stopped too, not only later chunks). Hundreds of lines ask; one read per owner every
 * `refreshMs` answers them all.
 */
export class TenantBudgetGate {
  private readonly verdicts = new Map<string, CachedVerdict>();
  private readonly refreshMs: number;

  constructor(
    private readonly options: {
      store: TenantLimitsStore;
      budgets: TenantBudgets;
      logger: Logger;
      /** @defaultValue 250 */
      refreshMs?: number;
    },
  ) {
    this.refreshMs = options.refreshMs ?? 250;
  }

  async exceeded(owner: BudgetOwner): Promise<BudgetVerdict | null> {
    const id = `${owner.apiKeyId}/${owner.projectId}`;
    let cached = this.verdicts.get(id);
    if (!cached) {
      if (this.verdicts.size > 10_000) this.verdicts.clear();
      cached = { verdict: null, checkedAt: 0, pending: undefined };
      this.verdicts.set(id, cached);
    }
    if (Date.now() - cached.checkedAt < this.refreshMs) return cached.verdict;
    const entry = cached;
    entry.pending ??= this.read(owner).then((verdict) => {
      entry.verdict = verdict;
      entry.checkedAt = Date.now();
      entry.pending = undefined;
      return verdict;
    });
    return entry.pending;
  }

  /** The provider limiter of one line, checking the budget once the line holds its slot. */
  guard(limiter: Limiter, owner: BudgetOwner, provider: string): Limiter {
    return (task) =>
      limiter(async () => {
        const verdict = await this.exceeded(owner);
        if (verdict) throw new TenantBudgetExceededError(verdict, provider);
        return task();
      });
  }

  private async read(owner: BudgetOwner): Promise<BudgetVerdict | null> {
    try {
      const limits = await this.options.store.forPrincipal(owner);
      if (!limits.key?.budgets && !limits.project?.budgets) return null;
      return await this.options.budgets.exceeded([
        { scope: { kind: 'key', id: owner.apiKeyId, projectId: owner.projectId }, budgets: limits.key?.budgets },
        { scope: { kind: 'project', id: owner.projectId }, budgets: limits.project?.budgets },
      ]);
    } catch (error) {
      this.options.logger.warn({ err: error, ...owner }, 'budget check failed; batch lines continue');
      return null;
    }
  }
}
