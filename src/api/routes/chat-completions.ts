import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../gateway-error.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../../providers/chat-completion-schemas.ts';
import { checkRouteCapabilities } from '../../routing/check-capabilities.ts';
import { resolveRoutes } from '../../routing/resolve-route.ts';
import type { AppDependencies } from '../app.ts';

export function chatCompletionsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/chat/completions',
      { schema: { body: chatCompletionRequestSchema, response: { 200: chatCompletionSchema } } },
      async (request, reply) => {
        const body = request.body;
        if (body.stream === true) {
          throw new GatewayError({
            code: 'stream_not_supported',
            message: 'stream: true is not supported by this gateway yet; send the request without stream.',
            param: 'stream',
          });
        }
        const routes = resolveRoutes({ model: body.model, config: dependencies.config });
        if (!routes) {
          throw new GatewayError({
            code: 'model_not_found',
            message: `The model '${body.model}' does not exist or you do not have access to it.`,
            param: 'model',
          });
        }
        const unsupported = checkRouteCapabilities({ request: body, routes, config: dependencies.config });
        if (unsupported) throw new GatewayError({ code: 'unsupported_capability', message: unsupported.message, param: unsupported.param });
        const { completion, cost } = await dependencies.dispatcher.dispatchSync({ requestId: request.id, principal: request.principal, request: body, routes });
        if (cost === undefined) return completion;
        // Exact decimal in the header; a number in `usage.cost` (an extension field) for convenience.
        reply.header('x-gateway-cost', cost);
        return completion.usage ? { ...completion, usage: { ...completion.usage, cost: Number(cost) } } : completion;
      },
    );
  };
}
