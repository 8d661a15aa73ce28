import { setTimeout as sleep } from 'node:timers/promises';
import type { BoundRequest, ProviderResult } from '../operations/registry.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import { ProviderError } from '../errors/provider-error.ts';
import { backoffDelayMs, decideAfterFailure, defaultRetryPolicy, type RetryPolicy } from '../routing/failover-decision.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import { countCalls, skippedAttempt, type RouteAttempt } from '../routing/route-attempts.ts';
import { callRoute, type RouteSignals } from './call-route.ts';
import { routeSkipMessage, routeSkipOf, type RouteSkip } from './route-skip.ts';
import type { Limiter } from '../limits/provider/provider-limits.ts';
import type { TraceSpan } from '../observability/tracing.ts';

interface CallSummary {
  /** The route that served, or the last one tried. */
  route: ResolvedRoute;
  /** Provider calls made, over every route. */
  attempts: number;
  /** The last call's latency. */
  latencyMs: number;
  trail: RouteAttempt[];
}

export type CallOutcome = ({ ok: true; result: ProviderResult } | { ok: false; error: ProviderError }) & CallSummary;

/**
 * One batch line's provider calls in process (a chunk job holds many lines, so BullMQ's per-job
 * retries and hops do not fit): each route in the planned order, each retried as a sync job's would
 * be (`decideAfterFailure`: Retry-After or a jittered backoff, then the next route; a client error
 * fails at once). A route whose breaker refuses is passed over. The limiter wraps each call only: a
 * line waiting out its backoff does not hold a concurrency slot.
 */
export async function callWithRetries(options: CallWithRetriesOptions): Promise<CallOutcome> {
  const policy = options.retryPolicy ?? defaultRetryPolicy;
  for (let round = 1; ; round += 1) {
    const outcome = await tryRoutes(options);
    const allOpen = !outcome.ok && outcome.attempts === 0 && outcome.trail.some((attempt) => attempt.code === 'circuit_open');
    if (!allOpen || !options.waitWhileOpen || (await options.shouldStop?.())) return outcome;
    // Every route's breaker is open: a batch line has hours, so it waits for a half-open probe to close one.
    await sleep(backoffDelayMs({ attempt: round, baseDelayMs: 1000, maxBackoffMs: policy.maxBackoffMs, random: options.random ?? Math.random }) + 100);
  }
}

export interface CallWithRetriesOptions {
  routes: readonly ResolvedRoute[];
  /** The provider client and its retry settings in this worker; undefined when it has none. */
  providerOf: (provider: string) => { client: ProviderClient; maxAttempts: number; retryBaseDelayMs: number } | undefined;
  /** The request, bound to its operation. */
  request: BoundRequest;
  requestId: string;
  limitFor: (route: ResolvedRoute) => Limiter;
  signals?: RouteSignals | undefined;
  retryPolicy?: RetryPolicy | undefined;
  /** @defaultValue Math.random */
  random?: (() => number) | undefined;
  /** Checked before each retry and each next route: a cancelled batch does not keep trying. */
  shouldStop?: () => Promise<boolean>;
  /** When every route's breaker is open, wait (with backoff) and try again instead of failing, until stopped. */
  waitWhileOpen?: boolean;
  /** The drain deadline: a slot wait or a call under way is given up (the line is then left for a re-run). */
  handBack?: AbortSignal | undefined;
  /** The line's span (a sampled line): each call is its child, with its attempt and route index. */
  trace?: TraceSpan | undefined;
}

/** One pass over the routes, each with its retries. */
async function tryRoutes(options: CallWithRetriesOptions): Promise<CallOutcome> {
  const trail: RouteAttempt[] = [];
  const summary = (route: ResolvedRoute): CallSummary => ({ route, attempts: countCalls(trail), latencyMs: trail[trail.length - 1]?.latencyMs ?? 0, trail });
  let lastFailure: CallOutcome | undefined;

  for (const [index, route] of options.routes.entries()) {
    if (index > 0 && lastFailure && (await options.shouldStop?.())) return lastFailure;
    const provider = options.providerOf(route.provider);
    const refused = await routeSkipOf(route, provider !== undefined, options.signals?.breakers);
    if (!provider || refused) {
      trail.push(skippedAttempt(route, refused ?? 'provider_not_configured'));
      lastFailure ??= { ok: false, error: skippedError(route, refused ?? 'provider_not_configured'), ...summary(route) };
      continue;
    }
    for (let attempt = 1; ; attempt += 1) {
      const call = await callRoute({
        client: provider.client,
        route,
        request: options.request,
        requestId: options.requestId,
        limit: options.limitFor(route),
        signals: options.signals ?? {},
        handBack: options.handBack,
        trace: options.trace && { span: options.trace, attempt, hop: index },
      });
      await call.bookkeeping;
      trail.push(call.attempt);
      if (call.ok) return { ok: true, result: call.result, ...summary(route) };
      lastFailure = { ok: false, error: call.error, ...summary(route) };
      const decision = decideAfterFailure({
        error: call.error,
        attempt,
        maxAttempts: provider.maxAttempts,
        hasNextRoute: index + 1 < options.routes.length,
        now: Date.now(),
        baseDelayMs: provider.retryBaseDelayMs,
        policy: options.retryPolicy ?? defaultRetryPolicy,
        random: options.random ?? Math.random,
      });
      if (decision.action === 'fail') return lastFailure;
      if (decision.action === 'fallback') break;
      if (await options.shouldStop?.()) return lastFailure;
      await sleep(decision.delayMs);
    }
  }
  const last = options.routes[options.routes.length - 1];
  if (!last) throw new Error('callWithRetries needs at least one route');
  // Routes passed over after the last failure add to the trail, not to the calls.
  return lastFailure ? { ...lastFailure, attempts: countCalls(trail) } : { ok: false, error: skippedError(last, 'circuit_open'), ...summary(last) };
}

function skippedError(route: ResolvedRoute, reason: RouteSkip): ProviderError {
  return new ProviderError({ provider: route.provider, code: reason, message: routeSkipMessage(route, reason), retryable: false });
}
