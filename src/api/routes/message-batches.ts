import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { terminalBatchStatuses, type BatchObject, type BatchRow } from '../../batches/batch-object.ts';
import { batchModeHeader, parseBatchModeHeader } from '../../batches/batch-mode.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { batchLinesStream } from '../../files/file-content-stream.ts';
import {
  createMessageBatchSchema,
  deletedMessageBatchSchema,
  formatMessageBatchResultLine,
  maxMessageBatchRequests,
  messageBatchListSchema,
  messageBatchSchema,
  toMessageBatch,
  type MessageBatch,
} from '../../formats/anthropic-messages/message-batches.ts';
import { messagesPath } from '../../formats/batch-line-formats.ts';
import { assertWebhookUrlAllowed } from '../../webhooks/ssrf-guard.ts';
import type { AppDependencies } from '../app.ts';
import { webhookOptionSchema } from './async-jobs.ts';

/** Anthropic's documented limit on a Message Batch's size (the route's body limit). */
const maxMessageBatchBytes = 256 * 1024 * 1024;

const idParamsSchema = z.object({ id: z.string().min(1) });
const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  after_id: z.string().min(1).optional(),
  before_id: z.string().min(1).optional(),
});
const createBodySchema = createMessageBatchSchema.extend({
  /** An extension, as on `POST /v1/batches`: a webhook told when the batch ends. */
  webhook: webhookOptionSchema.optional(),
});

/**
 * Anthropic's Message Batches API over the gateway's batch engine: a Message Batch is a gateway batch
 * whose endpoint is `/v1/messages`; each request's `params` is translated as `POST /v1/messages`
 * translates its body, runs on any provider (or in a provider's own batch API where enabled), and its
 * result is read back as a Message. Errors are in Anthropic's shape (`errorBodyFor`).
 * @see https://docs.anthropic.com/en/api/creating-message-batches
 */
export function messageBatchesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { batches, idempotency } = dependencies;

  async function messageBatchesOf(request: FastifyRequest, rows: readonly BatchRow[]): Promise<MessageBatch[]> {
    const unsuccessful = await batches.unsuccessfulCounts(rows);
    return rows.map((row) =>
      toMessageBatch(
        {
          ...row,
          unsuccessful: unsuccessful.get(row.id) ?? { failed: 0, cancelled: 0, expired: 0 },
          endedAt: row.completedAt ?? row.failedAt ?? row.expiredAt ?? row.cancelledAt,
        },
        `${request.protocol}://${request.host}/v1/messages/batches/${row.id}/results`,
      ),
    );
  }
  const messageBatchOf = async (request: FastifyRequest, row: BatchRow) => (await messageBatchesOf(request, [row]))[0]!;
  /** A batch of this API: another endpoint's batch is not one (it is served by `/v1/batches`). */
  const rowOf = async (request: FastifyRequest, id: string) => {
    const row = await batches.row(request.principal, id);
    if (row.endpoint !== messagesPath) throw new GatewayError({ code: 'not_found', message: `No message batch with id '${id}'.`, param: 'message_batch_id' });
    return row;
  };

  return async (app) => {
    app.post(
      '/messages/batches',
      {
        schema: {
          operationId: 'createMessageBatch',
          summary: "Create a message batch (Anthropic's Message Batches API)",
          description:
            'Each `params` is a Messages request, served by any provider as `POST /v1/messages` serves one (or sent to a provider batch API where enabled). Checked when created, as `POST /v1/batches` checks lines.',
          tags: ['Batches'],
          body: createBodySchema,
          headers: z.looseObject({ [batchModeHeader]: z.string().optional().describe('Where the lines run: `auto`, `native` or `gateway`, as on `POST /v1/batches`.') }),
          response: { 200: messageBatchSchema },
          errorCodes: ['invalid_batch_lines', 'native_batch_unavailable', 'webhook_url_not_allowed', 'insufficient_quota'],
        },
        bodyLimit: maxMessageBatchBytes,
        ...idempotency.routeOptions,
      },
      async (request, reply) =>
        idempotency.run(request, reply, async (key) => {
          const body = request.body;
          const mode = parseBatchModeHeader(request.headers[batchModeHeader]);
          await dependencies.tenantLimits.assertWithinBudget(request.principal);
          if (body.webhook) await assertWebhookUrlAllowed(body.webhook.url, dependencies.config.webhooks);
          let row: BatchRow | undefined;
          const created = await batches.createInline({
            principal: request.principal,
            // Anthropic's batches end within 24 hours.
            completionWindow: '24h',
            metadata: null,
            webhookUrl: body.webhook?.url ?? null,
            mode,
            endpoint: messagesPath,
            requests: body.requests.map((entry) => ({ custom_id: entry.custom_id, body: entry.params })),
            maxRequests: maxMessageBatchRequests,
            trace: request.trace,
            within: async (client: pg.PoolClient, batch: BatchObject) => {
              row = await batches.row(request.principal, batch.id, client);
              await key?.completeWithin(client, { status: 200, body: await messageBatchOf(request, row) });
            },
          });
          return messageBatchOf(request, row ?? (await batches.row(request.principal, created.id)));
        }),
    );

    app.get(
      '/messages/batches',
      {
        schema: {
          operationId: 'listMessageBatches',
          summary: 'List message batches',
          description: 'Newest first; `after_id` pages towards older batches, `before_id` towards newer ones.',
          tags: ['Batches'],
          querystring: listQuerySchema,
          response: { 200: messageBatchListSchema },
        },
      },
      async (request) => {
        const { limit, after_id: after, before_id: before } = request.query;
        const page = await batches.listRows(request.principal, { after, before, limit, endpoint: messagesPath });
        const data = await messageBatchesOf(request, page.rows);
        return { data, has_more: page.hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
      },
    );

    const byIdSchema = { params: idParamsSchema, tags: ['Batches'], errorCodes: ['not_found'] as const };
    app.get('/messages/batches/:id', { schema: { ...byIdSchema, operationId: 'retrieveMessageBatch', summary: 'Retrieve a message batch', response: { 200: messageBatchSchema } } }, async (request) =>
      messageBatchOf(request, await rowOf(request, request.params.id)),
    );

    app.post(
      '/messages/batches/:id/cancel',
      {
        schema: {
          ...byIdSchema,
          operationId: 'cancelMessageBatch',
          summary: 'Cancel a message batch',
          description: 'Requests not started are canceled; those under way finish. `canceling` until they have.',
          response: { 200: messageBatchSchema },
          errorCodes: ['not_found', 'batch_not_cancellable'],
        },
      },
      async (request) => {
        await rowOf(request, request.params.id);
        await batches.cancel(request.principal, request.params.id);
        return messageBatchOf(request, await rowOf(request, request.params.id));
      },
    );

    app.delete(
      '/messages/batches/:id',
      {
        schema: {
          ...byIdSchema,
          operationId: 'deleteMessageBatch',
          summary: 'Delete a message batch',
          description: 'Only an ended batch. Its requests and usage stay on record.',
          response: { 200: deletedMessageBatchSchema },
          errorCodes: ['not_found', 'batch_not_ended'],
        },
      },
      async (request) => {
        await rowOf(request, request.params.id);
        await batches.delete(request.principal, request.params.id);
        return { id: request.params.id, type: 'message_batch_deleted' as const };
      },
    );

    app.get(
      '/messages/batches/:id/results',
      {
        schema: {
          ...byIdSchema,
          operationId: 'listMessageBatchResults',
          summary: "A message batch's results",
          description: 'JSONL, one `{custom_id, result}` per request in input order, once the batch has ended.',
          response: {
            200: {
              description: 'The results as JSON lines.',
              content: { 'application/x-jsonl': { schema: z.unknown().meta({ type: 'string', format: 'binary', description: 'One `{custom_id, result}` object per line.' }) } },
            },
          },
          errorCodes: ['not_found', 'batch_not_ended'],
        },
      },
      async (request, reply) => {
        const row = await rowOf(request, request.params.id);
        if (!terminalBatchStatuses.has(row.status)) {
          throw new GatewayError({ code: 'batch_not_ended', message: `Batch '${row.id}' is still ${row.status}: its results are available once it has ended.`, param: 'message_batch_id' });
        }
        const stream = batchLinesStream(dependencies.database.pool, row.id, {
          statuses: ['completed', 'failed', 'cancelled', 'expired'],
          format: (line) =>
            formatMessageBatchResultLine({ customId: line.customId, status: line.status, statusCode: line.statusCode, messageJson: line.responseJson, errorMessage: line.errorMessage }),
        });
        stream.on('error', (error) => request.log.error({ err: error, batchId: row.id }, 'message batch results stream failed'));
        return reply.header('content-type', 'application/x-jsonl').send(stream);
      },
    );
  };
}
