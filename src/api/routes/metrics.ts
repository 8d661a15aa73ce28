import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';
import { metricsTextSchema } from '../openapi-schemas.ts';
import { adminAuthHook } from '../plugins/admin-auth.ts';

/**
 * `GET /metrics`: this process's Prometheus metrics in the text exposition format, behind the admin
 * key (Prometheus sends it with `authorization: { credentials: … }` in the scrape config).
 */
export function metricsRoutes(dependencies: { metrics: Pick<GatewayMetrics, 'exposition'>; adminKey: string }): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', adminAuthHook(dependencies.adminKey));
    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          description: 'Prometheus metrics of this process (text exposition format 0.0.4); needs the admin key.',
          response: { 200: { description: 'The metrics, `text/plain; version=0.0.4`.', content: { 'text/plain': { schema: metricsTextSchema } } } },
        },
      },
      async (_request, reply) => {
        const { contentType, body } = await dependencies.metrics.exposition();
        // A string with a non-JSON content type is sent as it is, not through the JSON serializer.
        return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
      },
    );
  };
}
