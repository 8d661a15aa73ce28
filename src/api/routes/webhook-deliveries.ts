import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { webhookDeliveryStatuses } from '../../db/schema/webhooks.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { findDelivery, listAttempts, listDeliveries, type WebhookAttemptRow, type WebhookDeliveryRow } from '../../webhooks/webhook-deliveries-store.ts';
import type { AppDependencies } from '../app.ts';

const deliveryViewSchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook.delivery'),
    event_type: z.string(),
    subject_id: z.string(),
    url: z.string(),
    status: z.enum(webhookDeliveryStatuses),
    attempt_count: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.number().int().nullable(),
    created_at: z.number().int(),
    delivered_at: z.number().int().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

const attemptViewSchema = z.object({
  attempt: z.number().int(),
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error: z.string().nullable(),
  created_at: z.number().int(),
});

/** One delivery with what was sent and every attempt: the answer of retrieve and redeliver. */
const deliveryDetailSchema = deliveryViewSchema
  .extend({
    payload: z.unknown().describe('The event as it was sent (the signed body).'),
    attempts: z.array(attemptViewSchema),
  })
  .meta({ id: 'WebhookDeliveryDetail' });

const listSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(deliveryViewSchema),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  })
  .meta({ id: 'ListWebhookDeliveriesResponse' });

const idParams = z.object({ id: z.string().min(1) });

/** The delivery log of the caller's project; another project's deliveries are 404 (never 403). */
export function webhookDeliveriesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { db } = dependencies.database;
  const notFound = (id: string) => new GatewayError({ code: 'not_found', message: `No webhook delivery with id '${id}'.`, param: 'id' });
  const detail = async (row: WebhookDeliveryRow) => ({ ...toDeliveryView(row), payload: row.payload, attempts: (await listAttempts(db, row.id)).map(toAttemptView) });

  return async (app) => {
    app.get(
      '/webhook-deliveries',
      {
        schema: {
          operationId: 'listWebhookDeliveries',
          summary: 'List webhook deliveries',
          querystring: z.object({
            subject_id: z.string().min(1).optional(),
            after: z.string().min(1).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(20),
          }),
          response: { 200: listSchema },
          errorCodes: ['not_found'],
        },
      },
      async (request) => {
        const page = await listDeliveries(db, {
          projectId: request.principal.projectId,
          subjectId: request.query.subject_id,
          after: request.query.after,
          limit: request.query.limit,
        });
        if (!page) throw new GatewayError({ code: 'not_found', message: `No webhook delivery with id '${request.query.after}'.`, param: 'after' });
        const data = page.rows.map(toDeliveryView);
        return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
      },
    );

    const retrieveSchema = {
      operationId: 'retrieveWebhookDelivery',
      summary: 'Retrieve a webhook delivery',
      params: idParams,
      response: { 200: deliveryDetailSchema },
      errorCodes: ['not_found'] as const,
    };
    app.get('/webhook-deliveries/:id', { schema: retrieveSchema }, async (request) => {
      const row = await findDelivery(db, request.params.id, request.principal.projectId);
      if (!row) throw notFound(request.params.id);
      return detail(row);
    });

    const redeliverSchema = {
      operationId: 'redeliverWebhookDelivery',
      summary: 'Redeliver a webhook',
      description: 'Queues the event to be sent again now (unless an attempt is in flight); the delivery goes back to `pending`.',
      params: idParams,
      response: { 200: deliveryDetailSchema },
      errorCodes: ['not_found'] as const,
    };
    app.post('/webhook-deliveries/:id/redeliver', { schema: redeliverSchema }, async (request) => {
      const existing = await findDelivery(db, request.params.id, request.principal.projectId);
      if (!existing) throw notFound(request.params.id);
      const queued = await dependencies.webhooks.redeliver(existing.id);
      request.log.info({ deliveryId: existing.id, queued }, 'webhook redelivery requested');
      const row = await findDelivery(db, existing.id);
      return detail(row ?? existing);
    });
  };
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

function toDeliveryView(row: WebhookDeliveryRow): z.infer<typeof deliveryViewSchema> {
  return {
    id: row.id,
    object: 'webhook.delivery',
    event_type: row.eventType,
    subject_id: row.subjectId,
    url: row.url,
    status: row.status,
    attempt_count: row.attempts,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    next_attempt_at: row.nextAttemptAt ? seconds(row.nextAttemptAt) : null,
    created_at: seconds(row.createdAt),
    delivered_at: row.deliveredAt ? seconds(row.deliveredAt) : null,
  };
}

function toAttemptView(row: WebhookAttemptRow): z.infer<typeof attemptViewSchema> {
  return { attempt: row.attempt, status_code: row.statusCode, latency_ms: row.latencyMs, error: row.error, created_at: seconds(row.createdAt) };
}
