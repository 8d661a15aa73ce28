import { GatewayError } from '../errors/gateway-error.ts';
import type { CircuitBreakers } from '../routing/circuit-breaker-types.ts';
import { routeKey, type ResolvedRoute } from '../routing/resolve-route.ts';
import { describeChainFailure, spansSeveralRoutes, type RouteAttempt } from '../routing/route-attempts.ts';

/** Why a route is passed over without a call: no client for its provider here, or its breaker is open. */
export type RouteSkip = 'provider_not_configured' | 'circuit_open';

/**
 * Whether a route is called or passed over — one rule for sync jobs and batch lines: a provider this
 * worker has no client for, or whose breaker for the route's model refuses, is skipped.
 */
export async function routeSkipOf(route: ResolvedRoute, hasClient: boolean, breakers: Pick<CircuitBreakers, 'allows'> | undefined): Promise<RouteSkip | undefined> {
  if (!hasClient) return 'provider_not_configured';
  if (breakers && !(await breakers.allows({ provider: route.provider, model: route.upstreamModel }))) return 'circuit_open';
  return undefined;
}

/** What a skipped route says, in the words the caller reads. */
export function routeSkipMessage(route: ResolvedRoute, skip: RouteSkip): string {
  return skip === 'circuit_open' ? `${routeKey(route)} is not taking calls: its circuit breaker is open` : `provider "${route.provider}" is not configured in this worker`;
}

/** A skipped route as the error a request that ends there is answered with. */
export function routeSkipError(route: ResolvedRoute, skip: RouteSkip): GatewayError {
  return new GatewayError({ code: skip === 'circuit_open' ? 'no_route_available' : 'provider_error', message: routeSkipMessage(route, skip) });
}

/**
 * A request's final error: over several routes, one message listing every attempt, with the last
 * error's code (and hint); over one route, the error itself. Sync jobs and batch lines alike.
 */
export function chainFailureError(error: GatewayError, options: { model: string; trail: readonly RouteAttempt[] }): GatewayError {
  if (!spansSeveralRoutes(options.trail)) return error;
  return new GatewayError({ ...error.toPayload(), message: describeChainFailure({ model: options.model, trail: [...options.trail], lastMessage: error.message }) }, { hint: error.hint });
}
