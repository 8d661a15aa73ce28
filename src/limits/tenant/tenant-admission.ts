import type { Principal } from '../../auth/api-key-store.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { Logger } from '../../logging/logger.ts';
import { budgetMessage, scopeLabel, type TenantBudgets } from './tenant-budgets.ts';
import { hasAnyLimit } from '../../auth/tenant-limits-schema.ts';
import type { PrincipalLimits, TenantLimitsStore } from './tenant-limits-store.ts';
import type { RateCheck, TenantRateLimiter, TenantScope } from './tenant-rate-limiter.ts';

/** A request's concurrency leases: released when a sync call ends, or by the worker for async jobs. */
export interface TenantLease {
  release(): Promise<void>;
  /** Runs the task and releases the lease however it ends. */
  run<Result>(task: () => Promise<Result>): Promise<Result>;
}

const noLease: TenantLease = { release: async () => {}, run: (task) => task() };

/**
 * The API side of per-key and per-project limits: before a request is queued, its key's and
 * project's spend budgets, then RPM, TPM and concurrency (atomically, in one Redis script). Refusals
 * are 429s in OpenAI's shape with Retry-After. Limits are read with the principal (cached, dropped on
 * change by broadcast). If Redis or Postgres fail here, the request is let through and the failure
 * logged: limits protect budgets and providers, they must not take the API down with them.
 */
export class TenantAdmission {
  constructor(
    private readonly options: {
      store: TenantLimitsStore;
      rateLimiter: TenantRateLimiter;
      budgets: TenantBudgets;
      logger: Logger;
      /** A sync lease outlives the longest sync call, then lapses if its release was lost. */
      syncLeaseTtlMs: number;
      /** An async job's lease lapses after this even if its worker never reported. */
      asyncLeaseTtlMs: number;
    },
  ) {}

  get store(): TenantLimitsStore {
    return this.options.store;
  }

  /** Throws a 429 GatewayError (headers set on `reply`) when the request may not run now. */
  async admit(input: {
    principal: Principal;
    requestId: string;
    /** Input tokens the request is expected to use (TPM); a function is called only when a TPM limit applies. */
    estimatedTokens: number | (() => number);
    kind: 'sync' | 'async';
  }): Promise<TenantLease> {
    const limits = await this.limitsOf(input.principal);
    if (!limits) return noLease;
    await this.refuseOverBudget(input.principal, limits);
    const checks = rateChecks(input.principal, limits);
    if (checks.length === 0) return noLease;
    const estimatedTokens = typeof input.estimatedTokens === 'number' ? input.estimatedTokens : checks.some((check) => check.dimension === 'tpm') ? input.estimatedTokens() : 0;
    const leaseTtlMs = input.kind === 'sync' ? this.options.syncLeaseTtlMs : this.options.asyncLeaseTtlMs;
    const verdict = await this.options.rateLimiter.admit({ checks, requestId: input.requestId, estimatedTokens, leaseTtlMs }).catch((error: unknown) => this.letThrough(error, { ok: true as const }));
    if (!verdict.ok) throw rateLimitError(verdict.check, verdict.retryAfterMs, estimatedTokens);
    const leased = checks.filter((check) => check.dimension === 'concurrency').map((check) => check.scope);
    if (leased.length === 0) return noLease;
    const release = () => this.options.rateLimiter.release(leased, input.requestId).catch((error: unknown) => this.letThrough(error, undefined));
    return {
      release,
      run: async (task) => {
        try {
          return await task();
        } finally {
          await release();
        }
      },
    };
  }

  /** Batch creation: refused while the key or project is over a budget (rates do not apply). */
  async assertWithinBudget(principal: Principal): Promise<void> {
    const limits = await this.limitsOf(principal);
    if (limits) await this.refuseOverBudget(principal, limits);
  }

  private async limitsOf(principal: Principal): Promise<PrincipalLimits | undefined> {
    const limits = await this.options.store.forPrincipal(principal).catch((error: unknown) => this.letThrough(error, undefined));
    return limits && (hasAnyLimit(limits.key) || hasAnyLimit(limits.project)) ? limits : undefined;
  }

  private async refuseOverBudget(principal: Principal, limits: PrincipalLimits): Promise<void> {
    const verdict = await this.options.budgets
      .exceeded([
        { scope: { kind: 'key', id: principal.apiKeyId, projectId: principal.projectId }, budgets: limits.key?.budgets },
        { scope: { kind: 'project', id: principal.projectId }, budgets: limits.project?.budgets },
      ])
      .catch((error: unknown) => this.letThrough(error, null));
    if (!verdict) return;
    // The SDKs would retry a 429 at once; a spent budget will not come back in seconds.
    const headers: Record<string, string> = { 'x-should-retry': 'false' };
    if (verdict.resetsAt) headers['retry-after'] = String(Math.ceil((verdict.resetsAt.getTime() - Date.now()) / 1000));
    throw new GatewayError({ code: 'insufficient_quota', message: budgetMessage(verdict) }, { headers });
  }

  private letThrough<Fallback>(error: unknown, fallback: Fallback): Fallback {
    this.options.logger.warn({ err: error }, 'tenant limits: Redis or Postgres failed, not enforced for this request');
    return fallback;
  }
}

function rateChecks(principal: Principal, limits: PrincipalLimits): RateCheck[] {
  const scoped: Array<[TenantScope, PrincipalLimits['key']]> = [
    [{ kind: 'key', id: principal.apiKeyId, projectId: principal.projectId }, limits.key],
    [{ kind: 'project', id: principal.projectId }, limits.project],
  ];
  return scoped.flatMap(([scope, scopeLimits]) => [
    ...(scopeLimits?.rpm === undefined ? [] : [{ scope, dimension: 'rpm' as const, limit: scopeLimits.rpm }]),
    ...(scopeLimits?.tpm === undefined ? [] : [{ scope, dimension: 'tpm' as const, limit: scopeLimits.tpm }]),
    ...(scopeLimits?.maxConcurrent === undefined ? [] : [{ scope, dimension: 'concurrency' as const, limit: scopeLimits.maxConcurrent }]),
  ]);
}

function rateLimitError(check: RateCheck, retryAfterMs: number, estimatedTokens: number): GatewayError {
  const who = scopeLabel(check.scope);
  const bodyType = check.dimension === 'tpm' ? 'tokens' : 'requests';
  const headers = { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), 'retry-after-ms': String(retryAfterMs) };
  const wait = `Please try again in ${(retryAfterMs / 1000).toFixed(retryAfterMs < 10_000 ? 1 : 0)}s.`;
  const message =
    check.dimension === 'concurrency'
      ? `Too many requests in flight for ${who}: Limit ${check.limit} concurrent. ${wait}`
      : check.dimension === 'rpm'
        ? `Rate limit reached for ${who} on requests per min (RPM): Limit ${check.limit}. ${wait}`
        : `Rate limit reached for ${who} on tokens per min (TPM): Limit ${check.limit}, Requested ~${estimatedTokens}. ${wait}`;
  return new GatewayError({ code: 'rate_limit_exceeded', message, bodyType }, { headers });
}
