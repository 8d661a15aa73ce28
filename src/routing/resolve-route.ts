import type { GatewayConfig, Pricing, RouteConfig } from '../config/gateway-config.ts';
import { isAliasRoute } from '../config/routing-config.ts';
import { findModelDefinition } from './find-model.ts';
import type { ModelDefinition } from './model-catalogue/index.ts';
import { resolvePricing, type ResolvedPricing } from './resolve-pricing.ts';

/** One place a request can be sent: everything a worker needs, carried inside the job. */
export interface ResolvedRoute {
  provider: string;
  upstreamModel: string;
  pricing: Pricing;
  /** Neither the config nor the catalogue prices it: the cost of its calls is recorded as unknown. */
  unpriced?: true;
  /** The catalogue marks its model deprecated: answers say so (`x-gateway-model-deprecated`, `Sunset`). */
  deprecated?: { sunsetDate?: string };
}

/** A route with what the catalogue knows of its upstream model, for listings and checks. */
export interface DescribedRoute extends ResolvedPricing {
  provider: string;
  upstreamModel: string;
  /** Undefined when the catalogue does not know the model (it is then neither checked nor priced). */
  definition: ModelDefinition | undefined;
}

/** Looks the route's upstream model up in the catalogue of its provider's type and prices it. */
export function describeRoute(options: { config: GatewayConfig; provider: string; upstreamModel: string; routePricing?: Pricing | undefined; modelPricing?: Pricing | undefined }): DescribedRoute {
  const providerType = Object.hasOwn(options.config.providers, options.provider) ? options.config.providers[options.provider]?.type : undefined;
  const definition = providerType ? findModelDefinition({ providerType, model: options.upstreamModel }) : undefined;
  const pricing = resolvePricing({ routePricing: options.routePricing, modelPricing: options.modelPricing, definition });
  return { provider: options.provider, upstreamModel: options.upstreamModel, definition, ...pricing };
}

/** `provider/upstreamModel`: how a route is named in headers, latencies and logs. */
export function routeKey(route: { provider: string; upstreamModel: string }): string {
  return `${route.provider}/${route.upstreamModel}`;
}

/** A configured provider route of a model, described and priced (route pricing > model pricing > catalogue). */
export function describeConfiguredRoute(options: { config: GatewayConfig; route: RouteConfig; modelPricing?: Pricing | undefined }): DescribedRoute {
  const { config, route, modelPricing } = options;
  return describeRoute({ config, provider: route.provider, upstreamModel: route.model, routePricing: route.pricing, modelPricing });
}

/** What a job carries of a described route. */
export function toResolvedRoute(route: DescribedRoute): ResolvedRoute {
  return {
    provider: route.provider,
    upstreamModel: route.upstreamModel,
    pricing: route.pricing,
    ...(route.source === 'none' ? { unpriced: true as const } : {}),
    ...(route.definition?.deprecated ? { deprecated: route.definition.sunsetDate ? { sunsetDate: route.definition.sunsetDate } : {} } : {}),
  };
}

/**
 * Every provider route a configured model can reach, in config order: its own routes, and an alias's
 * routes where the alias stands (each priced by its own model). A route reached twice is listed once.
 */
function describeModelRoutes(config: GatewayConfig, modelName: string, visited: Set<string>): DescribedRoute[] {
  const model = Object.hasOwn(config.models, modelName) ? config.models[modelName] : undefined;
  if (!model || visited.has(modelName)) return [];
  visited.add(modelName);
  const routes = model.routes.flatMap((route) => (isAliasRoute(route) ? describeModelRoutes(config, route.alias, visited) : [describeConfiguredRoute({ config, route, modelPricing: model.pricing })]));
  const seen = new Set<string>();
  return routes.filter((route) => !seen.has(routeKey(route)) && Boolean(seen.add(routeKey(route))));
}

/**
 * The described routes for a model name: a configured model's routes (aliases expanded, in config
 * order), or `provider/model` addressing a provider directly. Undefined when nothing serves the name.
 */
export function describeRoutes(options: { model: string; config: GatewayConfig }): DescribedRoute[] | undefined {
  const { config, model } = options;
  if (Object.hasOwn(config.models, model)) return describeModelRoutes(config, model, new Set());
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) return undefined;
  const provider = model.slice(0, slash);
  if (!Object.hasOwn(config.providers, provider)) return undefined;
  return [describeRoute({ config, provider, upstreamModel: model.slice(slash + 1) })];
}

/**
 * Every route a model name can reach, in config order, priced: route `pricing` > model `pricing` >
 * catalogue > none (flagged `unpriced`: the cost is recorded as unknown). Undefined when nothing serves the name (the API answers 404).
 * The order a request tries them in is `planRoutes`'s.
 */
export function resolveRoutes(options: { model: string; config: GatewayConfig }): ResolvedRoute[] | undefined {
  return describeRoutes(options)?.map(toResolvedRoute);
}
