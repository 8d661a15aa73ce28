import type { GatewayConfig } from '../config/gateway-config.ts';
import { planRoutes, type PlanRoutesOptions } from '../routing/plan-routes.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import { describeRoutePlanRefusal, type RoutePlanRefusal } from './route-plan-refusal.ts';
import type { BoundRequest } from './registry.ts';
import { routeProblemOf } from './route-problem.ts';

export type RequestPlan = { ok: true; routes: ResolvedRoute[]; /** Passed over: their breaker is open. */ skipped: ResolvedRoute[] } | ({ ok: false } & RoutePlanRefusal);

/**
 * A request's attempt order, or why nothing can serve it, in the one wording every planner answers
 * with (a sync call, an async job, a batch line at submit and when it runs): routes whose provider or
 * model cannot take the request's operation and features are left out (`routeProblemOf`), then
 * `planRoutes` orders the rest; a refusal is `describeRoutePlanRefusal`'s.
 */
export function planRequest(options: { config: GatewayConfig; request: BoundRequest } & Pick<PlanRoutesOptions, 'random' | 'latencies' | 'breakerAllows' | 'pin' | 'noFallback'>): RequestPlan {
  const { config, request } = options;
  const problemOf = (route: ResolvedRoute) => routeProblemOf({ config, request, route });
  const plan = planRoutes({ ...options, model: request.model, canServe: (route) => problemOf(route) === undefined });
  if (plan.ok && plan.routes.length > 0) return { ok: true, routes: plan.routes, skipped: plan.skipped };
  const refusal = describeRoutePlanRefusal({ plan: plan.ok ? { ok: false, reason: 'model_not_found' } : plan, model: request.model, pin: options.pin, problemOf });
  return { ok: false, ...refusal };
}
