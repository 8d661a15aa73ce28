import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { describeModel, findUnpricedRoutes, listCatalogue, listModels, type ModelListing } from '../../routing/list-models.ts';
import type { DescribedRoute } from '../../routing/resolve-route.ts';
import type { AppDependencies } from '../app.ts';

const tierSchema = z.object({
  /** The tier's rates apply to a whole request whose input is more than this many tokens. */
  above_input_tokens: z.number().int(),
  input_per_million: z.string().nullable(),
  cached_input_per_million: z.string().nullable(),
  cache_write_input_per_million: z.string().nullable(),
  output_per_million: z.string().nullable(),
});

/** OpenAI's model object, plus what the catalogue and the config know (extension fields). */
const modelObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    context_window: z.number().int().nullable(),
    max_output_tokens: z.number().int().nullable(),
    capabilities: z.object({ tools: z.boolean(), vision: z.boolean(), json_mode: z.boolean() }).nullable(),
    /** USD per 1M tokens as decimal strings; null when nothing prices the model (its cost is recorded as unknown). */
    pricing: z
      .object({
        input_per_million: z.string(),
        cached_input_per_million: z.string(),
        cache_write_input_per_million: z.string(),
        cache_write_1h_input_per_million: z.string(),
        output_per_million: z.string(),
        /** Higher rates for long prompts (a field the tier does not set keeps the base rate: null). */
        tiers: z.array(tierSchema),
        /** `config` (the gateway's `pricing`), `catalogue-package` (the pinned package) or `overlay` (the gateway's own catalogue data). */
        source: z.enum(['config', 'catalogue-package', 'overlay']),
      })
      .nullable(),
    /** The provider retires the model: requests still go, and answers carry `Deprecation`. */
    deprecated: z.boolean(),
    /** When the provider stops serving it, where known (`YYYY-MM-DD`). */
    sunset_date: z.string().nullable(),
    release_date: z.string().nullable(),
  })
  .meta({ id: 'Model', description: "A model this gateway routes or prices (OpenAI's model object, plus limits, capabilities, prices and deprecation)." });

const modelListSchema = z.object({ object: z.literal('list'), data: z.array(modelObjectSchema) }).meta({ id: 'ListModelsResponse' });

type ModelObject = z.infer<typeof modelObjectSchema>;

function toPricingObject(route: DescribedRoute): ModelObject['pricing'] {
  const { pricing, source, definition } = route;
  if (source === 'none') return null;
  const cacheWrite = pricing.cacheWriteInputPerMillion ?? pricing.inputPerMillion;
  return {
    input_per_million: pricing.inputPerMillion,
    // What a cached input token is billed at: the input price when there is no cached price.
    cached_input_per_million: pricing.cachedInputPerMillion ?? pricing.inputPerMillion,
    cache_write_input_per_million: cacheWrite,
    cache_write_1h_input_per_million: pricing.cacheWrite1hInputPerMillion ?? cacheWrite,
    output_per_million: pricing.outputPerMillion,
    tiers: (pricing.tiers ?? []).map((tier) => ({
      above_input_tokens: tier.aboveInputTokens,
      input_per_million: tier.inputPerMillion ?? null,
      cached_input_per_million: tier.cachedInputPerMillion ?? null,
      cache_write_input_per_million: tier.cacheWriteInputPerMillion ?? null,
      output_per_million: tier.outputPerMillion ?? null,
    })),
    source: source === 'catalogue' ? (definition?.source ?? 'catalogue-package') : 'config',
  };
}

function toModelObject(listing: ModelListing, created: number): ModelObject {
  const { definition } = listing.route;
  return {
    id: listing.id,
    object: 'model',
    created,
    owned_by: listing.ownedBy,
    context_window: definition?.contextWindow ?? null,
    max_output_tokens: definition?.maxOutputTokens ?? null,
    capabilities: definition ? { tools: definition.capabilities.tools, vision: definition.capabilities.vision, json_mode: definition.capabilities.jsonMode } : null,
    pricing: toPricingObject(listing.route),
    deprecated: definition?.deprecated ?? false,
    sunset_date: definition?.sunsetDate ?? null,
    release_date: definition?.releaseDate ?? null,
  };
}

export function modelsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const startedAt = Math.floor(Date.now() / 1000);
  // Said once per API process: these routes' calls are recorded with an unknown cost.
  for (const route of findUnpricedRoutes({ config: dependencies.config })) {
    dependencies.logger.warn(route, 'no price in the config or the catalogue for this route; the cost of its calls is recorded as unknown');
  }
  return async (app) => {
    const listSchema = {
      operationId: 'listModels',
      summary: 'List models',
      description: 'The configured models and the catalogue models of the configured providers; with `catalogue=true`, every model the catalogue prices, as `<catalogue type>/<model>`.',
      querystring: z.object({ catalogue: z.enum(['true', 'false']).optional() }),
      response: { 200: modelListSchema },
    };
    app.get('/models', { schema: listSchema }, async (request) => ({
      object: 'list' as const,
      data: (request.query.catalogue === 'true' ? listCatalogue() : listModels({ config: dependencies.config })).map((listing) => toModelObject(listing, startedAt)),
    }));

    // A wildcard, so `provider/model` names work whether the slash is sent encoded (as the SDK does) or not.
    const retrieveSchema = {
      operationId: 'retrieveModel',
      summary: 'Retrieve a model',
      params: z.object({ '*': z.string().min(1) }),
      response: { 200: modelObjectSchema },
      errorCodes: ['model_not_found'] as const,
    };
    app.get('/models/*', { schema: retrieveSchema }, async (request) => {
      const model = request.params['*'];
      const listing = describeModel({ model, config: dependencies.config });
      if (!listing) throw new GatewayError({ code: 'model_not_found', message: `The model '${model}' does not exist.`, param: 'model' });
      return toModelObject(listing, startedAt);
    });
  };
}
