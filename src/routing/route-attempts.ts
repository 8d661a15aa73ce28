import type { ProviderError } from '../errors/provider-error.ts';
import type { ResolvedRoute } from './resolve-route.ts';

/**
 * One step of a request's way through its routes: a provider call (each retry is one), or a route
 * passed over without a call. The whole list, the serving attempt last, is the fallback trail kept in
 * `requests.route_attempts` and summed up in the `x-gateway-route` / `x-gateway-attempts` headers.
 */
export interface RouteAttempt {
  provider: string;
  /** The upstream model of the route. */
  model: string;
  /** `skipped`: not called (its circuit breaker is open, no slot came in time, or no worker serves the provider). */
  outcome: 'completed' | 'failed' | 'skipped';
  /** The HTTP status the provider answered; null when it gave none (network error, timeout, skipped). */
  status: number | null;
  /** The provider's error code, or the gateway's reason (`timeout`, `ECONNREFUSED`, `circuit_open`). */
  code: string | null;
  message: string | null;
  latencyMs: number;
}

export type SkipReason = 'circuit_open' | 'provider_not_configured' | 'route_busy' | 'context_window';

const skipMessages: Record<SkipReason, string> = {
  circuit_open: 'circuit breaker open',
  provider_not_configured: 'provider not configured in this worker',
  route_busy: 'no slot under its limits in time',
  context_window: 'the request does not fit its context window: moved after the routes it fits',
};

export function completedAttempt(route: ResolvedRoute, latencyMs: number): RouteAttempt {
  return { provider: route.provider, model: route.upstreamModel, outcome: 'completed', status: 200, code: null, message: null, latencyMs };
}

export function failedAttempt(route: ResolvedRoute, error: ProviderError, latencyMs: number): RouteAttempt {
  return {
    provider: route.provider,
    model: route.upstreamModel,
    outcome: 'failed',
    status: error.status ?? null,
    code: error.code ?? null,
    // Bounded: a provider may answer a whole HTML page.
    message: error.message.slice(0, 300),
    latencyMs,
  };
}

export function skippedAttempt(route: ResolvedRoute, reason: SkipReason): RouteAttempt {
  return { provider: route.provider, model: route.upstreamModel, outcome: 'skipped', status: null, code: reason, message: skipMessages[reason], latencyMs: 0 };
}

/** Provider calls made (skipped routes are not calls). */
export function countCalls(trail: readonly RouteAttempt[]): number {
  return trail.filter((attempt) => attempt.outcome !== 'skipped').length;
}

/** Whether the trail went past one route (then a final error lists every attempt). */
export function spansSeveralRoutes(trail: readonly RouteAttempt[]): boolean {
  return new Set(trail.map((attempt) => `${attempt.provider}/${attempt.model}`)).size > 1;
}

function describeAttempt(attempt: RouteAttempt, index: number): string {
  const what =
    attempt.outcome === 'skipped'
      ? `skipped (${attempt.message ?? attempt.code ?? 'not called'})`
      : attempt.status === null
        ? `no answer (${attempt.code ?? 'network error'})`
        : `HTTP ${attempt.status}${attempt.code ? ` ${attempt.code}` : ''}`;
  return `${index + 1}) ${attempt.provider}/${attempt.model}: ${what}`;
}

/**
 * The one message a client gets when every route failed: each attempt by provider/model and status,
 * then the last error's own message.
 */
export function describeChainFailure(options: { model: string; trail: readonly RouteAttempt[]; lastMessage: string }): string {
  const attempts = options.trail.map(describeAttempt).join('; ');
  return `Every route of '${options.model}' failed: ${attempts}. Last error: ${options.lastMessage}`;
}

/** What the client sees of the trail: the route that served (or was tried last) and the calls made. */
export function routeTrailHeaders(trail: readonly RouteAttempt[]): Record<string, string> {
  const last = servingAttempt(trail);
  if (!last) return {};
  return { 'x-gateway-route': headerSafe(`${last.provider}/${last.model}`), 'x-gateway-attempts': String(countCalls(trail)) };
}

/**
 * The headers saying the route that served a request runs a model its provider deprecates:
 * `x-gateway-model-deprecated: <provider>/<model>`, and `Sunset` (RFC 8594, an HTTP date) when the
 * catalogue knows the day it goes. None for a route that is not deprecated.
 */
export function deprecationHeaders(route: { provider: string; upstreamModel: string; deprecated?: { sunsetDate?: string } | undefined } | undefined): Record<string, string> {
  if (!route?.deprecated) return {};
  const sunset = route.deprecated.sunsetDate;
  return {
    'x-gateway-model-deprecated': headerSafe(`${route.provider}/${route.upstreamModel}`),
    ...(sunset ? { sunset: new Date(`${sunset}T00:00:00Z`).toUTCString() } : {}),
  };
}

/** The route that answered: the last attempt that made a call. */
export function servingAttempt(trail: readonly RouteAttempt[]): RouteAttempt | undefined {
  return [...trail].reverse().find((attempt) => attempt.outcome !== 'skipped') ?? trail[trail.length - 1];
}

/** A client may name any upstream model (`provider/<anything>`); a header takes printable ASCII only. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/gu, (character) => {
    try {
      return encodeURIComponent(character);
    } catch {
      return '?'; // a lone surrogate
    }
  });
}
