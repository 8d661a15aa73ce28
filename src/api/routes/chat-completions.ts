import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../gateway-error.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../../providers/chat-completion-schemas.ts';
import { routeTrailHeaders } from '../../routing/route-attempts.ts';
import type { AppDependencies } from '../app.ts';
import { RoutedGatewayError } from '../chat-dispatcher.ts';

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
        // Unknown model, a pin no route has, capabilities, open breakers: refused here, before the queue.
        const routed = await dependencies.dispatcher.plan({ request: body, headers: request.headers });
        const lease = await dependencies.tenantLimits.admit({ principal: request.principal, requestId: request.id, request: body, kind: 'sync', reply });
        const { completion, cost, trail } = await lease
          .run(() => dependencies.dispatcher.dispatchSync({ requestId: request.id, principal: request.principal, ...routed }))
          .catch((error: unknown) => {
            if (error instanceof RoutedGatewayError) reply.headers(routeTrailHeaders(error.trail));
            throw error;
          });
        reply.headers(routeTrailHeaders(trail));
        if (cost === undefined) return completion;
        // Exact decimal in the header; a number in `usage.cost` (an extension field) for convenience.
        reply.header('x-gateway-cost', cost);
        return completion.usage ? { ...completion, usage: { ...completion.usage, cost: Number(cost) } } : completion;
      },
    );
  };
}
