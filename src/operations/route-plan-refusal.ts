import type { CapabilityProblem } from './chat/check-capabilities.ts';
import type { RoutePlan } from '../routing/plan-routes.ts';
import { routeKey, type ResolvedRoute } from '../routing/resolve-route.ts';

export type RoutePlanRefusalCode = 'model_not_found' | 'provider_not_routable' | 'unsupported_capability' | 'no_route_available' | 'context_length_exceeded';

/** Why nothing can serve a request, as the client reads it: a gateway error code, its message and param. */
export interface RoutePlanRefusal {
  code: RoutePlanRefusalCode;
  message: string;
  param: string | null;
}

/**
 * The answer to a route plan that found nothing to serve the request. One wording for every way a
 * request is planned (a sync call, an async job, a batch line at submit and when it runs), so a
 * refused batch line says exactly what the same request sent alone would have been told.
 */
export function describeRoutePlanRefusal(options: {
  plan: Extract<RoutePlan, { ok: false }>;
  /** The model name the client sent. */
  model: string;
  pin: string | undefined;
  /** Why a route's model cannot take the request (`checkCapabilities` against that route). */
  problemOf: (route: ResolvedRoute) => CapabilityProblem | undefined;
}): RoutePlanRefusal {
  const { plan, model } = options;
  switch (plan.reason) {
    case 'model_not_found':
      return { code: 'model_not_found', message: `The model '${model}' does not exist or you do not have access to it.`, param: 'model' };
    case 'provider_not_routable':
      return {
        code: 'provider_not_routable',
        message: `The model '${model}' has no route on provider '${options.pin ?? ''}'; its routes use: ${plan.providers.join(', ')}.`,
        param: 'provider',
      };
    case 'unsupported': {
      const problem = options.problemOf(plan.route);
      return { code: 'unsupported_capability', message: problem?.message ?? `The model '${model}' cannot take this request.`, param: problem?.param ?? null };
    }
    case 'no_route_available':
      return {
        code: 'no_route_available',
        message: `No route of '${model}' is taking calls: the circuit breaker is open for ${plan.skipped.map(routeKey).join(', ')}. Retry shortly.`,
        param: null,
      };
  }
}
