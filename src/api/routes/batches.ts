import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { BatchObject } from '../../batches/batch-object.ts';
import { onInvalidLinesModes } from '../../config/gateway-config.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { operationPaths } from '../../operations/registry.ts';
import { responsesPath } from '../../formats/batch-line-formats.ts';
import { assertWebhookUrlAllowed } from '../../webhooks/ssrf-guard.ts';
import type { AppDependencies } from '../app.ts';
import { batchSchema, listBatchesResponseSchema, listBatchResultsResponseSchema } from '../openapi-schemas.ts';
import { webhookOptionSchema } from './async-jobs.ts';
import { batchModeHeader, parseBatchModeHeader } from '../../batches/batch-mode.ts';

const createBatchSchema = z
  .looseObject({
    input_file_id: z.string().min(1).optional(),
    /** Inline batches (an extension): the requests themselves instead of a file. */
    requests: z.array(z.unknown()).min(1).optional(),
    /** Every line calls this path; a line whose `url` differs cannot run (as OpenAI requires). */
    endpoint: z.enum([...operationPaths, responsesPath]),
    completion_window: z.string().default('24h'),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((metadata) => Object.keys(metadata).length <= 16, 'at most 16 keys')
      .nullish(),
    webhook: webhookOptionSchema.optional(),
    /**
     * An extension: what to do with lines that cannot run (unknown model, missing capability, invalid
     * body): `reject` refuses the batch naming them, `fail_lines` fails them and runs the rest.
     * Defaults to the config's `batches.onInvalidLines`.
     */
    on_invalid_lines: z.enum(onInvalidLinesModes).optional(),
  })
  .refine((body) => (body.input_file_id === undefined) !== (body.requests === undefined), {
    message: 'give exactly one of input_file_id or requests',
    path: ['input_file_id'],
  });

const batchModeHeadersSchema = z.looseObject({
  [batchModeHeader]: z
    .string()
    .optional()
    .describe(
      "An extension: where the batch's lines run. `auto` sends each line to its provider's batch API (about half the price, within 24h) when the batch's completion_window is at least 24h and that provider has nativeBatch enabled, and runs the rest on the gateway's workers; `native` refuses the batch (400 native_batch_unavailable) unless every line can go to a batch API; `gateway` runs every line on the gateway's workers. Defaults to the config's `batches.mode`.",
    ),
});

const pageQuerySchema = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const idParamsSchema = z.object({ id: z.string().min(1) });

/** OpenAI's Batches API, plus inline requests and JSON result pages. */
export function batchesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { batches } = dependencies;
  const { idempotency } = dependencies;
  return async (app) => {
    const createSchema = {
      operationId: 'createBatch',
      summary: 'Create a batch',
      description: 'From an uploaded JSONL file (`input_file_id`), or inline `requests` (an extension).',
      body: createBatchSchema,
      headers: batchModeHeadersSchema,
      response: { 200: batchSchema },
      errorCodes: ['not_found', 'invalid_batch_lines', 'native_batch_unavailable', 'webhook_url_not_allowed', 'insufficient_quota'] as const,
    };
    app.post('/batches', { schema: createSchema, ...idempotency.routeOptions }, async (request, reply) =>
      idempotency.run(request, reply, async (key) => {
        const body = request.body;
        const mode = parseBatchModeHeader(request.headers[batchModeHeader]);
        await dependencies.tenantLimits.assertWithinBudget(request.principal);
        if (body.webhook) await assertWebhookUrlAllowed(body.webhook.url, dependencies.config.webhooks);
        const input = {
          principal: request.principal,
          completionWindow: body.completion_window,
          metadata: body.metadata ?? null,
          webhookUrl: body.webhook?.url ?? null,
          onInvalidLines: body.on_invalid_lines,
          mode,
          endpoint: body.endpoint,
          within: key && ((client: pg.PoolClient, batch: BatchObject) => key.completeWithin(client, { status: 200, body: batch })),
          trace: request.trace,
        };
        if (!body.requests) return batches.create({ ...input, inputFileId: body.input_file_id ?? '' });
        const { maxInlineRequests } = dependencies.config.batches;
        if (body.requests.length > maxInlineRequests) {
          throw new GatewayError({ code: 'invalid_request_body', message: `An inline batch takes at most ${maxInlineRequests} requests; upload a file for more.`, param: 'requests' });
        }
        return batches.createInline({ ...input, requests: body.requests, maxRequests: maxInlineRequests });
      }),
    );

    const listSchema = { operationId: 'listBatches', summary: 'List batches', querystring: pageQuerySchema, response: { 200: listBatchesResponseSchema } };
    app.get('/batches', { schema: listSchema }, async (request) => batches.list(request.principal, request.query));

    const retrieveSchema = { operationId: 'retrieveBatch', summary: 'Retrieve a batch', params: idParamsSchema, response: { 200: batchSchema }, errorCodes: ['not_found'] as const };
    app.get('/batches/:id', { schema: retrieveSchema }, async (request) => batches.get(request.principal, request.params.id));

    const cancelSchema = { operationId: 'cancelBatch', summary: 'Cancel a batch', params: idParamsSchema, response: { 200: batchSchema }, errorCodes: ['not_found', 'batch_not_cancellable'] as const };
    app.post('/batches/:id/cancel', { schema: cancelSchema }, async (request) => batches.cancel(request.principal, request.params.id));

    app.get(
      '/batches/:id/results',
      {
        schema: {
          operationId: 'listBatchResults',
          summary: "List a batch's results",
          description: 'Output and error lines as JSON pages, in input order, while the batch runs and after (an extension).',
          params: idParamsSchema,
          querystring: pageQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: { 200: listBatchResultsResponseSchema },
          errorCodes: ['not_found'],
        },
      },
      async (request) => batches.results(request.principal, request.params.id, request.query),
    );
  };
}
