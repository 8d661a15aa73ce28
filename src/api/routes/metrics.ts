import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';
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
          description: 'Prometheus metrics of this process (text exposition format 0.0.4); needs the admin key.',
          response: { 200: z.string().describe('text/plain; version=0.0.4 exposition') },
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
