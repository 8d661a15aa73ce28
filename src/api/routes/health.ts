import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDependencies } from '../app.ts';

const checkSchema = z.enum(['ok', 'failing']);

export function healthRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  return async (app) => {
    /** Liveness: the process answers. */
    app.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

    /** Readiness: Postgres and Redis answer, migrations are applied, and the process is not draining. */
    app.get(
      '/readyz',
      {
        schema: {
          response: {
            200: z.object({ status: z.enum(['ready', 'not_ready', 'draining']), checks: z.record(z.string(), checkSchema) }),
            503: z.object({ status: z.enum(['ready', 'not_ready', 'draining']), checks: z.record(z.string(), checkSchema) }),
          },
        },
      },
      async (_request, reply) => {
        const report = await dependencies.readiness();
        return reply.code(report.status === 'ready' ? 200 : 503).send(report);
      },
    );
  };
}
