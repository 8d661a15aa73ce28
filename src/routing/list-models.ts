import type { GatewayConfig } from '../config/gateway-config.ts';
import { catalogueModelsOf, hasOwnCatalogue } from './find-model.ts';
import { modelCatalogue } from './model-catalogue/index.ts';
import { resolvePricing } from './resolve-pricing.ts';
import { describeRoute, describeRoutes, type DescribedRoute } from './resolve-route.ts';

/** A model name clients can send, with what the catalogue and the config say about it. */
export interface ModelListing {
  id: string;
  /** The provider of its first route. */
  ownedBy: string;
  /** Its first route, described and priced. */
  route: DescribedRoute;
}

/**
 * What `GET /v1/models` lists: every configured model (described by its first route), then every
 * catalogue model of each configured provider as `provider/model`. A catalogue model that already
 * is a configured model's first route is listed once, under the configured name. Azure is not
 * enumerated: its model names are deployment names, which the catalogue cannot know.
 */
export function listModels(options: { config: GatewayConfig }): ModelListing[] {
  const { config } = options;
  const listings: ModelListing[] = [];
  const firstRoutes = new Set<string>();
  for (const id of Object.keys(config.models)) {
    const route = describeRoutes({ model: id, config })?.[0];
    if (!route) continue;
    listings.push({ id, ownedBy: route.provider, route });
    firstRoutes.add(`${route.provider}/${route.upstreamModel}`);
  }
  for (const [provider, providerConfig] of Object.entries(config.providers)) {
    if (!hasOwnCatalogue(providerConfig.type)) continue;
    for (const definition of catalogueModelsOf({ providerType: providerConfig.type })) {
      const id = `${provider}/${definition.id}`;
      if (firstRoutes.has(id) || Object.hasOwn(config.models, id)) continue;
      listings.push({ id, ownedBy: provider, route: describeRoute({ config, provider, upstreamModel: definition.id }) });
    }
  }
  return listings;
}

/**
 * What `GET /v1/models?catalogue=true` lists: every catalogue entry as `<catalogue type>/<model>`,
 * priced by the catalogue alone. These are the models the gateway can describe and price, not names
 * it routes: a request names a configured model or `<configured provider>/<model>`.
 */
export function listCatalogue(): ModelListing[] {
  return modelCatalogue.map((definition) => ({
    id: `${definition.providerType}/${definition.id}`,
    ownedBy: definition.providerType,
    route: { provider: definition.providerType, upstreamModel: definition.id, definition, ...resolvePricing({ definition }) },
  }));
}

/** What `GET /v1/models/{model}` answers: every name `resolveRoutes` accepts, described by its first route. */
export function describeModel(options: { model: string; config: GatewayConfig }): ModelListing | undefined {
  const route = describeRoutes(options)?.[0];
  return route ? { id: options.model, ownedBy: route.provider, route } : undefined;
}

/** Configured routes neither the config nor the catalogue prices (the cost of their calls is unknown). */
export function findUnpricedRoutes(options: { config: GatewayConfig }): Array<{ model: string; provider: string; upstreamModel: string }> {
  return Object.keys(options.config.models).flatMap((model) =>
    (describeRoutes({ model, config: options.config }) ?? []).filter((route) => route.source === 'none').map((route) => ({ model, provider: route.provider, upstreamModel: route.upstreamModel })),
  );
}
