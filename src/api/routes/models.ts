import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../gateway-error.ts';
import { listRoutableModels, resolveRoutes } from '../../routing/resolve-route.ts';
import type { AppDependencies } from '../app.ts';

const modelObjectSchema = z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() });

export function modelsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const startedAt = Math.floor(Date.now() / 1000);
  return async (app) => {
    app.get('/models', { schema: { response: { 200: z.object({ object: z.literal('list'), data: z.array(modelObjectSchema) }) } } }, async () => ({
      object: 'list' as const,
      data: listRoutableModels(dependencies.config).map((model) => ({
        id: model.id,
        object: 'model' as const,
        created: startedAt,
        owned_by: model.ownedBy,
      })),
    }));

    app.get(
      '/models/:model',
      { schema: { params: z.object({ model: z.string().min(1) }), response: { 200: modelObjectSchema } } },
      async (request) => {
        const routes = resolveRoutes({ model: request.params.model, config: dependencies.config });
        if (!routes?.[0]) {
          throw new GatewayError({ code: 'model_not_found', message: `The model '${request.params.model}' does not exist.`, param: 'model' });
        }
        return { id: request.params.model, object: 'model' as const, created: startedAt, owned_by: routes[0].provider };
      },
    );
  };
}
