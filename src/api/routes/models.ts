import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { describeModel, findUnpricedRoutes, listModels, type ModelListing } from '../../routing/list-models.ts';
import type { AppDependencies } from '../app.ts';

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
    /** USD per 1M tokens as decimal strings; null when nothing prices the model (billed at zero). */
    pricing: z
      .object({
        input_per_million: z.string(),
        cached_input_per_million: z.string(),
        cache_write_input_per_million: z.string(),
        output_per_million: z.string(),
        /** The catalogue's price date; null for a price from the config. */
        priced_at: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'Model', description: "A model this gateway routes (OpenAI's model object, plus context window, capabilities and prices)." });

const modelListSchema = z.object({ object: z.literal('list'), data: z.array(modelObjectSchema) }).meta({ id: 'ListModelsResponse' });

type ModelObject = z.infer<typeof modelObjectSchema>;

function toModelObject(listing: ModelListing, created: number): ModelObject {
  const { definition, pricing, source, pricedAt } = listing.route;
  return {
    id: listing.id,
    object: 'model',
    created,
    owned_by: listing.ownedBy,
    context_window: definition?.contextWindow ?? null,
    max_output_tokens: definition?.maxOutputTokens ?? null,
    capabilities: definition ? { tools: definition.capabilities.tools, vision: definition.capabilities.vision, json_mode: definition.capabilities.jsonMode } : null,
    pricing:
      source === 'none'
        ? null
        : {
            input_per_million: pricing.inputPerMillion,
            // What a cached input token is billed at: the input price when there is no cached price.
            cached_input_per_million: pricing.cachedInputPerMillion ?? pricing.inputPerMillion,
            cache_write_input_per_million: pricing.cacheWriteInputPerMillion ?? pricing.inputPerMillion,
            output_per_million: pricing.outputPerMillion,
            priced_at: pricedAt ?? null,
          },
  };
}

export function modelsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const startedAt = Math.floor(Date.now() / 1000);
  // Said once per API process: these routes' calls are recorded at zero cost.
  for (const route of findUnpricedRoutes({ config: dependencies.config })) {
    dependencies.logger.warn(route, 'no price in the config or the catalogue for this route; its calls are billed at 0');
  }
  return async (app) => {
    app.get('/models', { schema: { operationId: 'listModels', summary: 'List models', response: { 200: modelListSchema } } }, async () => ({
      object: 'list' as const,
      data: listModels({ config: dependencies.config }).map((listing) => toModelObject(listing, startedAt)),
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
