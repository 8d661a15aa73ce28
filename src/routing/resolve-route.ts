import type { GatewayConfig, Pricing } from '../config/gateway-config.ts';
import { findModelPrice } from './model-prices.ts';

/** One place a request can be sent: everything a worker needs, carried inside the job. */
export interface ResolvedRoute {
  provider: string;
  upstreamModel: string;
  pricing: Pricing;
}

/**
 * The ordered routes for a model name: a configured model's `routes`, or `provider/model` addressing a
 * provider directly. Undefined when nothing serves the name (the API answers 404).
 */
export function resolveRoutes(options: { model: string; config: GatewayConfig }): ResolvedRoute[] | undefined {
  const { config, model } = options;
  const configured = Object.hasOwn(config.models, model) ? config.models[model] : undefined;
  if (configured) {
    return configured.routes.map((route) => {
      const providerType = config.providers[route.provider]?.type ?? 'unknown';
      return {
        provider: route.provider,
        upstreamModel: route.model,
        pricing: route.pricing ?? configured.pricing ?? findModelPrice({ providerType, model: route.model }),
      };
    });
  }
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) return undefined;
  const provider = model.slice(0, slash);
  const upstreamModel = model.slice(slash + 1);
  const providerConfig = Object.hasOwn(config.providers, provider) ? config.providers[provider] : undefined;
  if (!providerConfig) return undefined;
  return [{ provider, upstreamModel, pricing: findModelPrice({ providerType: providerConfig.type, model: upstreamModel }) }];
}

/** Model names clients can send, for `GET /v1/models`. */
export function listRoutableModels(config: GatewayConfig): Array<{ id: string; ownedBy: string }> {
  return Object.entries(config.models).map(([id, model]) => ({ id, ownedBy: model.routes[0]?.provider ?? 'gateway' }));
}
