import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../gateway-error.ts';
import { inTransaction } from '../../db/transaction.ts';
import { fenceCreation } from '../../durability/creation-fence.ts';
import { insertAsyncJob, loadAsyncJob } from '../../async-jobs/async-jobs.ts';
import { chatCompletionRequestSchema } from '../../providers/chat-completion-schemas.ts';
import { assertWebhookUrlAllowed } from '../../webhooks/ssrf-guard.ts';
import type { AppDependencies } from '../app.ts';
import { IdempotentRequests } from '../idempotency.ts';
import { asyncChatCompletionErrorCodes, chatCompletionJobSchema } from '../openapi-schemas.ts';

export const webhookOptionSchema = z.strictObject({ url: z.string().min(1) });

const asyncRequestSchema = chatCompletionRequestSchema.extend({ webhook: webhookOptionSchema.optional() });

/**
 * One chat request without waiting: 202 with a job id at once, then poll or take the webhook. The job
 * is recorded in Postgres before it is queued, so accepted work is never only in Redis.
 */
export function asyncChatCompletionsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const pool = dependencies.database.pool;
  const idempotency = new IdempotentRequests({ pool, requestTimeoutMs: dependencies.config.server.requestTimeoutMs });
  return async (app) => {
    const createSchema = {
      operationId: 'createAsyncChatCompletion',
      summary: 'Queue a chat completion (async)',
      description: 'Accepts the request at once (202, a job) and runs it in the background: poll the job, or take the `webhook`.',
      body: asyncRequestSchema,
      response: { 202: chatCompletionJobSchema },
      errorCodes: asyncChatCompletionErrorCodes,
    };
    app.post('/async/chat/completions', { schema: createSchema, ...idempotency.routeOptions }, async (request, reply) =>
      idempotency.run(request, reply, async (key) => {
        const { webhook, ...chat } = request.body;
        if (chat.stream === true) {
          throw new GatewayError({ code: 'stream_not_supported', message: 'stream: true makes no sense for an async job; poll or use a webhook.', param: 'stream' });
        }
        const routed = await dependencies.dispatcher.plan({ request: chat, headers: request.headers });
        // Looked up by the worker: a hit there is recorded and delivered like any answer.
        const cache = dependencies.cache.plan({ projectId: request.principal.projectId, request: routed.request, routes: routed.routes, skipped: routed.trail, headers: request.headers });
        if (webhook) await assertWebhookUrlAllowed(webhook.url, dependencies.config.webhooks);
        // The lease is held until the job ends: the worker releases it when it records the outcome.
        const lease = await dependencies.tenantLimits.admit({ principal: request.principal, requestId: request.id, request: chat, kind: 'async', reply });
        const acceptedAt = new Date();
        request.recorded = true;
        // Recorded and queued together (see creation-fence.ts): if the queue refuses, the row is rolled
        // back and the caller gets a 503; nothing is left half-created.
        const job = await inTransaction(pool, async (client) => {
          const inserted = await insertAsyncJob(client, {
            id: request.id,
            projectId: request.principal.projectId,
            apiKeyId: request.principal.apiKeyId,
            request: chat,
            webhookUrl: webhook?.url ?? null,
            acceptedAt,
            clientRequestId: request.correlation.clientRequestId ?? null,
          });
          // Committed with the job, so a retry with the key finds both or neither.
          await key?.completeWithin(client, { status: 202, body: inserted });
          await fenceCreation(client, request.id);
          await dependencies.dispatcher.dispatchAsync({
            requestId: request.id,
            principal: request.principal,
            ...routed,
            webhookUrl: webhook?.url ?? null,
            acceptedAt: acceptedAt.getTime(),
            cache,
            correlation: request.correlation,
          });
          return inserted;
        }).catch(async (error: unknown) => {
          // Never accepted: not recorded, so logged as refused.
          request.recorded = false;
          await lease.release();
          throw error;
        });
        reply.code(202);
        return job;
      }),
    );

    const retrieveSchema = {
      operationId: 'retrieveAsyncChatCompletion',
      summary: 'Retrieve an async chat completion job',
      params: z.object({ id: z.string().min(1) }),
      response: { 200: chatCompletionJobSchema },
      errorCodes: ['not_found'] as const,
    };
    app.get('/async/chat/completions/:id', { schema: retrieveSchema }, async (request) => {
      const job = await loadAsyncJob(pool, request.params.id, request.principal.projectId);
      if (!job) throw new GatewayError({ code: 'not_found', message: `No async job with id '${request.params.id}'.`, param: 'id' });
      return job;
    });
  };
}
