import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { BreakerStatus } from '../../routing/redis-circuit-breakers.ts';

const breakerSchema = z.object({
  object: z.literal('circuit_breaker'),
  provider: z.string(),
  /** Null for the provider-wide breaker. */
  model: z.string().nullable(),
  state: z.enum(['closed', 'open', 'half_open']),
  /** Calls and failures counted in the current rolling window. */
  requests: z.number().int(),
  failures: z.number().int(),
  /** Unix ms it last opened; null while closed. */
  opened_at: z.number().int().nullable(),
});

/** `GET /admin/breakers`: every breaker with recent activity, provider-wide and per model. */
export function adminBreakersRoutes(dependencies: { breakers: { list(): Promise<BreakerStatus[]> } }): FastifyPluginAsyncZod {
  return async (app) => {
    const listSchema = {
      operationId: 'listCircuitBreakers',
      summary: 'List circuit breakers',
      description: 'Every breaker with recent activity, provider-wide and per model.',
      response: { 200: z.object({ object: z.literal('list'), data: z.array(breakerSchema) }) },
    };
    app.get('/breakers', { schema: listSchema }, async (request) => {
      let statuses: BreakerStatus[];
      try {
        statuses = await dependencies.breakers.list();
      } catch (error) {
        request.log.error({ err: error }, 'cannot read circuit breakers');
        throw new GatewayError({ code: 'service_unavailable', message: 'The circuit breaker state is unavailable (Redis); retry shortly.' });
      }
      return {
        object: 'list' as const,
        data: statuses.map((status) => ({
          object: 'circuit_breaker' as const,
          provider: status.provider,
          model: status.model ?? null,
          state: status.state,
          requests: status.requests,
          failures: status.failures,
          opened_at: status.openedAt,
        })),
      };
    });
  };
}
