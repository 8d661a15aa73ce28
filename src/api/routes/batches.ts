import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { BatchApi } from '../../batches/batch-api.ts';
import type { BatchObject } from '../../batches/batch-object.ts';
import { GatewayError } from '../../gateway-error.ts';
import { assertWebhookUrlAllowed } from '../../webhooks/ssrf-guard.ts';
import type { AppDependencies } from '../app.ts';
import { IdempotentRequests } from '../idempotency.ts';
import { webhookOptionSchema } from './async-chat-completions.ts';

const createBatchSchema = z
  .looseObject({
    input_file_id: z.string().min(1).optional(),
    /** Inline batches (an extension): the requests themselves instead of a file. */
    requests: z.array(z.unknown()).min(1).optional(),
    endpoint: z.literal('/v1/chat/completions'),
    completion_window: z.string().default('24h'),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((metadata) => Object.keys(metadata).length <= 16, 'at most 16 keys')
      .nullish(),
    webhook: webhookOptionSchema.optional(),
  })
  .refine((body) => (body.input_file_id === undefined) !== (body.requests === undefined), {
    message: 'give exactly one of input_file_id or requests',
    path: ['input_file_id'],
  });

const pageQuerySchema = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const idParamsSchema = z.object({ id: z.string().min(1) });

/** OpenAI's Batches API, plus inline requests and JSON result pages. */
export function batchesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const batches = new BatchApi({ pool: dependencies.database.pool, redis: dependencies.redis, prefix: dependencies.prefix, config: dependencies.config, logger: dependencies.logger });
  const idempotency = new IdempotentRequests({ pool: dependencies.database.pool, requestTimeoutMs: dependencies.config.server.requestTimeoutMs });
  return async (app) => {
    app.addHook('onClose', async () => batches.close());

    app.post('/batches', { schema: { body: createBatchSchema }, ...idempotency.routeOptions }, async (request, reply) =>
      idempotency.run(request, reply, async (key) => {
        const body = request.body;
        await dependencies.tenantLimits.assertWithinBudget(request.principal, reply);
        if (body.webhook) await assertWebhookUrlAllowed(body.webhook.url, dependencies.config.webhooks);
        const input = {
          principal: request.principal,
          completionWindow: body.completion_window,
          metadata: body.metadata ?? null,
          webhookUrl: body.webhook?.url ?? null,
          within: key && ((client: pg.PoolClient, batch: BatchObject) => key.completeWithin(client, { status: 200, body: batch })),
        };
        if (!body.requests) return batches.create({ ...input, inputFileId: body.input_file_id ?? '' });
        const { maxInlineRequests } = dependencies.config.batches;
        if (body.requests.length > maxInlineRequests) {
          throw new GatewayError({ code: 'invalid_request_body', message: `An inline batch takes at most ${maxInlineRequests} requests; upload a file for more.`, param: 'requests' });
        }
        return batches.createInline({ ...input, requests: body.requests, maxRequests: maxInlineRequests });
      }),
    );

    app.get('/batches', { schema: { querystring: pageQuerySchema } }, async (request) => batches.list(request.principal, request.query));

    app.get('/batches/:id', { schema: { params: idParamsSchema } }, async (request) => batches.get(request.principal, request.params.id));

    app.post('/batches/:id/cancel', { schema: { params: idParamsSchema } }, async (request) => batches.cancel(request.principal, request.params.id));

    app.get(
      '/batches/:id/results',
      { schema: { params: idParamsSchema, querystring: pageQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) } },
      async (request) => batches.results(request.principal, request.params.id, request.query),
    );
  };
}
