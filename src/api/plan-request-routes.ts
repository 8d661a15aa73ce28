import type { GatewayConfig } from '../config/gateway-config.ts';
import { GatewayError } from '../gateway-error.ts';
import type { ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import { checkCapabilities, type CapabilityProblem } from '../routing/check-capabilities.ts';
import { planRoutes, usesStrategy } from '../routing/plan-routes.ts';
import type { RoutingSignalsReader } from '../routing/routing-signals.ts';
import { describeRoute, resolveRoutes, routeKey, type ResolvedRoute } from '../routing/resolve-route.ts';
import { skippedAttempt, type RouteAttempt } from '../routing/route-attempts.ts';
import { readRoutingControls, type HeaderValues } from '../routing/routing-controls.ts';

/** A request ready to queue: without the gateway's own fields, with its attempt order. */
export interface RoutedRequest {
  request: ChatCompletionRequest;
  routes: ResolvedRoute[];
  /** Routes passed over because their breaker is open: the first entries of the trail. */
  trail: RouteAttempt[];
}

/**
 * The API side of routing: the request's routing controls (`x-gateway-fallback`, the provider pin),
 * the signals its model's strategy needs, then `planRoutes`; a request nothing can serve is refused
 * here, before it is queued, with the reason.
 */
export async function planRequestRoutes(options: {
  config: GatewayConfig;
  request: ChatCompletionRequest;
  headers: HeaderValues;
  signals: RoutingSignalsReader;
  random: () => number;
}): Promise<RoutedRequest> {
  const { config, signals } = options;
  const controls = readRoutingControls({ headers: options.headers, request: options.request });
  if (!controls.ok) throw new GatewayError({ code: 'invalid_request_body', message: controls.message, param: controls.param });
  const { request } = controls;
  const model = request.model;
  const reachable = resolveRoutes({ model, config }) ?? [];
  const [allowed, latencies] = await Promise.all([
    signals.breakers && reachable.length > 0 ? signals.breakers.peek(reachable.map((route) => ({ provider: route.provider, model: route.upstreamModel }))) : undefined,
    signals.latencies && usesStrategy({ config, model, strategy: 'fastest' }) ? signals.latencies.read(reachable) : undefined,
  ]);
  const open = new Set(reachable.filter((_route, index) => allowed?.[index] === false).map(routeKey));
  const problemOf = (route: ResolvedRoute): CapabilityProblem | undefined =>
    checkCapabilities({ request, model: describeRoute({ config, provider: route.provider, upstreamModel: route.upstreamModel }).definition });

  const plan = planRoutes({
    model,
    config,
    random: options.random,
    latencies,
    breakerAllows: (route) => !open.has(routeKey(route)),
    canServe: (route) => problemOf(route) === undefined,
    pin: controls.pin,
    noFallback: controls.noFallback,
  });
  if (plan.ok) return { request, routes: plan.routes, trail: plan.skipped.map((route) => skippedAttempt(route, 'circuit_open')) };
  switch (plan.reason) {
    case 'model_not_found':
      throw new GatewayError({ code: 'model_not_found', message: `The model '${model}' does not exist or you do not have access to it.`, param: 'model' });
    case 'provider_not_routable':
      throw new GatewayError({
        code: 'provider_not_routable',
        message: `The model '${model}' has no route on provider '${controls.pin ?? ''}'; its routes use: ${plan.providers.join(', ')}.`,
        param: 'provider',
      });
    case 'unsupported': {
      const problem = problemOf(plan.route);
      throw new GatewayError({ code: 'unsupported_capability', message: problem?.message ?? `The model '${model}' cannot take this request.`, param: problem?.param ?? null });
    }
    case 'no_route_available':
      throw new GatewayError({
        code: 'no_route_available',
        message: `No route of '${model}' is taking calls: the circuit breaker is open for ${plan.skipped.map(routeKey).join(', ')}. Retry shortly.`,
      });
  }
}
