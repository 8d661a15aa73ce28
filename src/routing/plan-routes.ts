import type { GatewayConfig } from '../config/gateway-config.ts';
import { isAliasRoute, type RoutingStrategy } from '../config/routing-config.ts';
import { orderRouteItems, type RouteItem } from './order-routes.ts';
import { describeConfiguredRoute, resolveRoutes, routeKey, toResolvedRoute, type ResolvedRoute } from './resolve-route.ts';

export interface PlanRoutesOptions {
  /** The model name the client sent: a configured model (alias) or `provider/model`. */
  model: string;
  config: GatewayConfig;
  /** Uniform in [0, 1): `Math.random` in production, a seeded generator in tests. */
  random: () => number;
  /** Recent latency in ms by `provider/model` (only `fastest` reads it). */
  latencies?: ReadonlyMap<string, number> | undefined;
  /** False when the route's circuit breaker is open: it is skipped. @defaultValue every route allowed */
  breakerAllows?: ((route: ResolvedRoute) => boolean) | undefined;
  /** False when the route's model cannot take this request (capabilities). @defaultValue every route can */
  canServe?: ((route: ResolvedRoute) => boolean) | undefined;
  /** Only routes on this provider (`x-gateway-provider`, body `provider`). */
  pin?: string | undefined;
  /** Only the first route (`x-gateway-fallback: off`); retries on it still happen. */
  noFallback?: boolean | undefined;
}

export type RoutePlan =
  | {
      ok: true;
      /** The attempt order: the first serves unless it fails, then the next, and so on. */
      routes: ResolvedRoute[];
      /** Routes left out because their circuit breaker is open, in config order. */
      skipped: ResolvedRoute[];
    }
  | { ok: false; reason: 'model_not_found' }
  | { ok: false; reason: 'provider_not_routable'; providers: string[] }
  | { ok: false; reason: 'unsupported'; route: ResolvedRoute }
  | { ok: false; reason: 'no_route_available'; skipped: ResolvedRoute[] };

const always = () => true;

/**
 * The ordered list of routes a request will try. Pure: the random source, the latencies and the
 * breaker states come in, so a test can replay any draw.
 *
 * A configured model's entries are ordered by its strategy (see `orderRouteItems`); an alias entry
 * stands for the other model's chain in that model's own order; a route reached twice is tried once.
 * Routes on other providers than the pin, routes that cannot serve the request and routes whose
 * breaker is open are left out before ordering, so the weights are shared among the routes left.
 */
export function planRoutes(options: PlanRoutesOptions): RoutePlan {
  const { model, config, pin } = options;
  const breakerAllows = options.breakerAllows ?? always;
  const canServe = options.canServe ?? always;
  const reachable = resolveRoutes({ model, config });
  if (!reachable || reachable.length === 0) return { ok: false, reason: 'model_not_found' };
  const pinned = pin === undefined ? reachable : reachable.filter((route) => route.provider === pin);
  if (pinned.length === 0) return { ok: false, reason: 'provider_not_routable', providers: [...new Set(reachable.map((route) => route.provider))] };
  const servable = pinned.filter(canServe);
  const [firstPinned] = pinned;
  if (servable.length === 0 && firstPinned) return { ok: false, reason: 'unsupported', route: firstPinned };
  const skipped = servable.filter((route) => !breakerAllows(route));
  if (skipped.length === servable.length) return { ok: false, reason: 'no_route_available', skipped };

  const eligible = (route: ResolvedRoute) => (pin === undefined || route.provider === pin) && canServe(route) && breakerAllows(route);
  const ordered = orderModel({ ...options, eligible, visiting: new Set() });
  const seen = new Set<string>();
  const routes = ordered.filter((route) => !seen.has(routeKey(route)) && Boolean(seen.add(routeKey(route))));
  return { ok: true, routes: options.noFallback ? routes.slice(0, 1) : routes, skipped };
}

function orderModel(options: PlanRoutesOptions & { eligible: (route: ResolvedRoute) => boolean; visiting: Set<string> }): ResolvedRoute[] {
  const { config, model, eligible, visiting } = options;
  const configured = Object.hasOwn(config.models, model) ? config.models[model] : undefined;
  // `provider/model` addressing: one route.
  if (!configured) return (resolveRoutes({ model, config }) ?? []).filter(eligible);
  if (visiting.has(model)) return []; // the config refuses alias cycles; this only guards recursion
  const inside = new Set([...visiting, model]);
  const items: RouteItem[] = configured.routes.map((route, position) => ({
    position,
    rank: route.rank ?? position,
    weight: route.weight ?? 1,
    routes: isAliasRoute(route)
      ? orderModel({ ...options, model: route.alias, visiting: inside })
      : [toResolvedRoute(describeConfiguredRoute({ config, route, modelPricing: configured.pricing }))].filter(eligible),
  }));
  const usable = items.filter((item) => item.routes.length > 0);
  return orderRouteItems({ strategy: configured.strategy, items: usable, random: options.random, latencies: options.latencies }).flatMap((item) => item.routes);
}

/** Whether the model, or a model it aliases, orders by this strategy (so its signals are worth reading). */
export function usesStrategy(options: { config: GatewayConfig; model: string; strategy: RoutingStrategy }, visited = new Set<string>()): boolean {
  const { config, model } = options;
  const configured = Object.hasOwn(config.models, model) ? config.models[model] : undefined;
  if (!configured || visited.has(model)) return false;
  visited.add(model);
  if (configured.strategy === options.strategy) return true;
  return configured.routes.some((route) => isAliasRoute(route) && usesStrategy({ ...options, model: route.alias }, visited));
}
