import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDependencies } from '../app.ts';

const checkSchema = z.enum(['ok', 'failing']);

const readinessSchema = z
  .object({ status: z.enum(['ready', 'not_ready', 'draining']), checks: z.record(z.string(), checkSchema) })
  .meta({ id: 'ReadinessReport', description: 'Each check (Postgres, Redis, migrations, …) and the verdict.' });

export function healthRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  return async (app) => {
    /** Liveness: the process answers. */
    app.get('/healthz', { schema: { operationId: 'checkLiveness', summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

    /** Readiness: Postgres and Redis answer, migrations are applied, and the process is not draining. */
    app.get(
      '/readyz',
      {
        schema: {
          operationId: 'checkReadiness',
          summary: 'Readiness',
          description: 'Ready when Postgres and Redis answer, migrations are applied and the process is not draining; else 503.',
          response: { 200: readinessSchema, 503: readinessSchema },
        },
      },
      async (_request, reply) => {
        const report = await dependencies.readiness();
        return reply.code(report.status === 'ready' ? 200 : 503).send(report);
      },
    );
  };
}
