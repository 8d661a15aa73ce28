import type { GatewayConfig } from '../config/gateway-config.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { bindRequest, type OperationPayload } from '../operations/registry.ts';
import { chooseRequestRule, planRequest } from '../operations/plan-request.ts';
import { defaultRuleName, withRuleModels } from '../routing/routing-rules.ts';
import { usesStrategy } from '../routing/plan-routes.ts';
import type { RoutingSignalsReader } from '../routing/routing-signals.ts';
import { resolveRoutes, routeKey, type ResolvedRoute } from '../routing/resolve-route.ts';
import { skippedAttempt, type RouteAttempt } from '../routing/route-attempts.ts';
import { readRoutingControls, type HeaderValues } from '../routing/routing-controls.ts';

/** A request ready to queue (any operation): without the gateway's own fields, with its attempt order. */
export type RoutedRequest<Payload extends OperationPayload = OperationPayload> = Payload & {
  routes: ResolvedRoute[];
  /** Routes passed over because their breaker is open, or moved back for their context window: the first entries of the trail. */
  trail: RouteAttempt[];
  /** The model's routing rule that chose the routes (`default`: its own routes). */
  routingRule: string;
};

/**
 * The API side of routing: the request's routing controls (`x-gateway-fallback`, the provider pin),
 * the signals its model's strategy needs, then `planRoutes`; a request nothing can serve is refused
 * here, before it is queued, with the reason.
 */
export async function planRequestRoutes<Payload extends OperationPayload>(options: {
  config: GatewayConfig;
  payload: Payload;
  headers: HeaderValues;
  signals: RoutingSignalsReader;
  random: () => number;
}): Promise<RoutedRequest<Payload>> {
  const { config, signals } = options;
  const controls = readRoutingControls({ headers: options.headers, request: options.payload.request });
  if (!controls.ok) throw new GatewayError({ code: 'invalid_request_body', message: controls.message, param: controls.param });
  // The request as providers see it (the gateway's `provider` field taken out), in the caller's payload.
  const payload = { ...options.payload, request: controls.request } as Payload;
  const bound = bindRequest(payload);
  const rule = chooseRequestRule({ config, request: bound, headers: options.headers });
  const planned = rule.rule === defaultRuleName ? config : withRuleModels(config);
  const reachable = resolveRoutes({ model: rule.target, config: planned }) ?? [];
  const [allowed, latencies] = await Promise.all([
    signals.breakers && reachable.length > 0 ? signals.breakers.peek(reachable.map((route) => ({ provider: route.provider, model: route.upstreamModel }))) : undefined,
    signals.latencies && usesStrategy({ config: planned, model: rule.target, strategy: 'fastest' }) ? signals.latencies.read(reachable) : undefined,
  ]);
  const open = new Set(reachable.filter((_route, index) => allowed?.[index] === false).map(routeKey));
  const plan = planRequest({
    config,
    request: bound,
    rule,
    random: options.random,
    latencies,
    breakerAllows: (route) => !open.has(routeKey(route)),
    pin: controls.pin,
    noFallback: controls.noFallback,
  });
  if (plan.ok) {
    const trail = [...plan.skipped.map((route) => skippedAttempt(route, 'circuit_open')), ...plan.moved.map((need) => skippedAttempt(need.route, 'context_window'))];
    return { ...payload, routes: plan.routes, trail, routingRule: plan.routingRule };
  }
  throw new GatewayError({ code: plan.code, message: plan.message, param: plan.param });
}
