import type { RedisClient } from '../../redis/redis-connections.ts';
import { integerReply, RedisScript, luaPrelude } from '../../redis/redis-script.ts';
import { RedisSemaphore, semaphoreLua } from '../redis-semaphore.ts';
import { slidingWindowLua } from '../redis-sliding-window.ts';
import { partsBySlot } from '../../redis/key-slots.ts';

/**
 * Whose counters: an API key's (which belongs to a project) or its project's; both apply to every
 * request of the key.
 */
export type TenantScope = { kind: 'key'; id: string; projectId: string } | { kind: 'project'; id: string };

/**
 * `<prefix>:tenant:{<project id>}:key:<key id>` or `<prefix>:tenant:{<project id>}:project`: the
 * braces are a Redis Cluster hash tag, so the counters of a key and of its project, checked together
 * in one script, share a slot; each project has a slot of its own.
 */
export function tenantKeyBase(prefix: string, scope: TenantScope): string {
  return scope.kind === 'key' ? `${prefix}:tenant:{${scope.projectId}}:key:${scope.id}` : `${prefix}:tenant:{${scope.id}}:project`;
}

export type RateDimension = 'rpm' | 'tpm' | 'concurrency';

export interface RateCheck {
  scope: TenantScope;
  dimension: RateDimension;
  limit: number;
}

export type RateVerdict = { ok: true } | { ok: false; check: RateCheck; retryAfterMs: number };

/**
 * Every limit of one request checked at once, over the provider limiter's Redis primitives (sliding
 * logs and lease semaphores): all pass and are taken, or none is, so a request refused by its
 * project's limit takes nothing from its key's.
 *
 * KEYS: per check, its key and its total key (a semaphore uses the first only).
 * ARGV: holder, lease ms, window ms, then per check: kind (count | check | lease), limit, weight.
 * Returns {0, 0} when admitted, else {index of the refusing check, wait ms (-1: unknown)}.
 */
const admitScript = new RedisScript(`${luaPrelude}${semaphoreLua}${slidingWindowLua}
local now = clock('')
local holder, lease_ms, window_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local count = #KEYS / 2
for i = 1, count do
  local kind, limit, weight = ARGV[3 * i + 1], tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  local wait
  if kind == 'lease' then wait = semaphore_check(KEYS[2 * i - 1], limit, now)
  else wait = window_check(KEYS[2 * i - 1], KEYS[2 * i], limit, weight, kind == 'count', now, window_ms) end
  if wait ~= 0 then return {i, wait} end
end
for i = 1, count do
  local kind = ARGV[3 * i + 1]
  if kind == 'lease' then semaphore_take(KEYS[2 * i - 1], holder, now, lease_ms)
  elseif kind == 'count' then window_add(KEYS[2 * i - 1], KEYS[2 * i], holder .. '|1', 1, now, window_ms + 1000) end
end
return {0, 0}
`);

/** KEYS: per entry, its window key and total key. ARGV: window ms, then per entry: holder, tokens. */
const chargeScript = new RedisScript(`${luaPrelude}${slidingWindowLua}
local now = clock('')
local window_ms = tonumber(ARGV[1])
for i = 1, #KEYS / 2 do
  local weight = tonumber(ARGV[2 * i + 1])
  window_add(KEYS[2 * i - 1], KEYS[2 * i], ARGV[2 * i] .. '|' .. weight, weight, now, window_ms + 1000)
end
return 1
`);

/**
 * Per-key and per-project RPM, TPM and concurrency. RPM counts a request when it is admitted. TPM
 * admits a request while the tokens used in the last window plus its estimated prompt tokens fit (an
 * empty window admits any request), and counts the tokens actually used (prompt + completion, as
 * reported) when its usage is recorded ({@link chargeTokens}). Concurrency is a lease per request
 * until {@link release}, or until the lease lapses if its holder died.
 */
export class TenantRateLimiter {
  private readonly windowMs: number;

  constructor(
    private readonly options: {
      redis: RedisClient;
      prefix: string;
      /** The sliding window of RPM and TPM. @defaultValue 60000 */
      windowMs?: number;
    },
  ) {
    this.windowMs = options.windowMs ?? 60_000;
  }

  async admit(input: { checks: readonly RateCheck[]; requestId: string; estimatedTokens: number; leaseTtlMs: number }): Promise<RateVerdict> {
    if (input.checks.length === 0) return { ok: true };
    const keys = input.checks.flatMap((check) => this.keys(check.scope, check.dimension));
    const args = input.checks.flatMap((check) => {
      if (check.dimension === 'concurrency') return ['lease', check.limit, 0];
      return check.dimension === 'rpm' ? ['count', check.limit, 1] : ['check', check.limit, Math.max(1, input.estimatedTokens)];
    });
    const reply = await admitScript.run(this.options.redis, keys, [input.requestId, input.leaseTtlMs, this.windowMs, ...args]);
    const [refused, waitMs] = integerReply(reply, 2) as [number, number];
    const check = input.checks[refused - 1];
    if (!check) return { ok: true };
    // Unknown waits: a lease frees when some request ends; a window when enough of it ages out.
    const fallbackMs = check.dimension === 'concurrency' ? 1000 : this.windowMs;
    return { ok: false, check, retryAfterMs: waitMs > 0 ? waitMs : fallbackMs };
  }

  /** Ends a request's concurrency leases (idempotent). */
  async release(scopes: readonly TenantScope[], requestId: string): Promise<void> {
    await Promise.all(scopes.map((scope) => new RedisSemaphore(this.options.redis, this.keys(scope, 'concurrency')[0] ?? '').release(requestId)));
  }

  /** Counts tokens used into the scopes' TPM windows (a scope without a TPM limit just ages out). */
  async chargeTokens(entries: ReadonlyArray<{ scope: TenantScope; requestId: string; tokens: number }>): Promise<void> {
    const charged = entries.filter((entry) => entry.tokens > 0);
    if (charged.length === 0) return;
    // One script call (per project on a Redis Cluster, where each project has its own slot).
    const parts = partsBySlot(this.options.redis, charged, (entry) => this.keys(entry.scope, 'tpm')[0]);
    await Promise.all(
      parts.map((part) =>
        chargeScript.run(
          this.options.redis,
          part.flatMap((entry) => this.keys(entry.scope, 'tpm')),
          [this.windowMs, ...part.flatMap((entry) => [entry.requestId, Math.round(entry.tokens)])],
        ),
      ),
    );
  }

  /** A window's sorted set and its `:total` (the provider limiter's layout); a semaphore's set twice. */
  private keys(scope: TenantScope, dimension: RateDimension): [string, string] {
    const key = `${tenantKeyBase(this.options.prefix, scope)}:${dimension === 'concurrency' ? 'in-flight' : dimension}`;
    return dimension === 'concurrency' ? [key, key] : [key, `${key}:total`];
  }
}
