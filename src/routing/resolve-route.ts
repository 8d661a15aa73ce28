import type { GatewayConfig, Pricing } from '../config/gateway-config.ts';
import { findModelDefinition } from './find-model.ts';
import type { ModelDefinition } from './model-catalogue/index.ts';
import { resolvePricing, type ResolvedPricing } from './resolve-pricing.ts';

/** One place a request can be sent: everything a worker needs, carried inside the job. */
export interface ResolvedRoute {
  provider: string;
  upstreamModel: string;
  pricing: Pricing;
  /** Neither the config nor the catalogue prices it: its calls are billed at zero. */
  unpriced?: true;
}

/** A route with what the catalogue knows of its upstream model, for listings and checks. */
export interface DescribedRoute extends ResolvedPricing {
  provider: string;
  upstreamModel: string;
  /** Undefined when the catalogue does not know the model (it is then neither checked nor priced). */
  definition: ModelDefinition | undefined;
}

/** Looks the route's upstream model up in the catalogue of its provider's type and prices it. */
export function describeRoute(options: {
  config: GatewayConfig;
  provider: string;
  upstreamModel: string;
  routePricing?: Pricing | undefined;
  modelPricing?: Pricing | undefined;
}): DescribedRoute {
  const providerType = Object.hasOwn(options.config.providers, options.provider) ? options.config.providers[options.provider]?.type : undefined;
  const definition = providerType ? findModelDefinition({ providerType, model: options.upstreamModel }) : undefined;
  const pricing = resolvePricing({ routePricing: options.routePricing, modelPricing: options.modelPricing, definition });
  return { provider: options.provider, upstreamModel: options.upstreamModel, definition, ...pricing };
}

/**
 * The described routes for a model name: a configured model's `routes`, or `provider/model`
 * addressing a provider directly. Undefined when nothing serves the name.
 */
export function describeRoutes(options: { model: string; config: GatewayConfig }): DescribedRoute[] | undefined {
  const { config, model } = options;
  const configured = Object.hasOwn(config.models, model) ? config.models[model] : undefined;
  if (configured) {
    return configured.routes.map((route) =>
      describeRoute({ config, provider: route.provider, upstreamModel: route.model, routePricing: route.pricing, modelPricing: configured.pricing }),
    );
  }
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) return undefined;
  const provider = model.slice(0, slash);
  if (!Object.hasOwn(config.providers, provider)) return undefined;
  return [describeRoute({ config, provider, upstreamModel: model.slice(slash + 1) })];
}

/**
 * The ordered routes for a model name, priced: route `pricing` > model `pricing` > catalogue > zero
 * (flagged `unpriced`). Undefined when nothing serves the name (the API answers 404).
 */
export function resolveRoutes(options: { model: string; config: GatewayConfig }): ResolvedRoute[] | undefined {
  return describeRoutes(options)?.map((route) => ({
    provider: route.provider,
    upstreamModel: route.upstreamModel,
    pricing: route.pricing,
    ...(route.source === 'none' ? { unpriced: true as const } : {}),
  }));
}
