import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { GatewayError, type GatewayErrorCode } from '../../errors/gateway-error.ts';
import { inTransaction } from '../../db/transaction.ts';
import { fenceCreation } from '../../durability/creation-fence.ts';
import { insertAsyncJob, loadAsyncJob } from '../../async-jobs/async-jobs.ts';
import { embeddingsRequestSchema } from '../../providers/embeddings-schemas.ts';
import { bindRequest, type OperationPayload } from '../../operations/registry.ts';
import { chatCompletionRequestSchema } from '../../providers/chat-completion-schemas.ts';
import { assertWebhookUrlAllowed } from '../../webhooks/ssrf-guard.ts';
import type { AppDependencies } from '../app.ts';
import type { HeldIdempotencyKey } from '../idempotency.ts';
import { asyncChatCompletionErrorCodes, asyncEmbeddingsErrorCodes, chatCompletionJobSchema, embeddingsJobSchema } from '../openapi-schemas.ts';

export const webhookOptionSchema = z.strictObject({ url: z.string().min(1) });

const asyncChatSchema = chatCompletionRequestSchema.extend({ webhook: webhookOptionSchema.optional() });
const asyncEmbeddingsSchema = embeddingsRequestSchema.extend({ webhook: webhookOptionSchema.optional() });
const idParams = z.object({ id: z.string().min(1) });

type App = FastifyInstance<never, never, never, never, ZodTypeProvider> & Parameters<FastifyPluginAsyncZod>[0];

/**
 * Requests without waiting, for every operation: 202 with a job id at once, then poll or take the
 * webhook (`/v1/async/chat/completions`, `/v1/async/embeddings`). The job is recorded in Postgres
 * before it is queued, so accepted work is never only in Redis.
 */
export function asyncJobsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const pool = dependencies.database.pool;
  const { idempotency } = dependencies;

  /** Plans, admits, records and queues one async request; the job object, 202. */
  async function accept(request: FastifyRequest, reply: FastifyReply, key: HeldIdempotencyKey | undefined, payload: OperationPayload, webhookUrl: string | undefined) {
    const routed = await dependencies.dispatcher.plan({ payload, headers: request.headers });
    // Looked up by the worker: a hit there is recorded and delivered like any answer.
    const cache = dependencies.cache.plan({
      projectId: request.principal.projectId,
      operation: bindRequest(routed).operation,
      request: routed.request,
      routes: routed.routes,
      skipped: routed.trail,
      headers: request.headers,
    });
    if (webhookUrl) await assertWebhookUrlAllowed(webhookUrl, dependencies.config.webhooks);
    // The lease is held until the job ends: the worker releases it when it records the outcome.
    const lease = await dependencies.tenantLimits.admit({ principal: request.principal, requestId: request.id, estimatedTokens: bindRequest(payload).estimateInputTokens(), kind: 'async' });
    const acceptedAt = new Date();
    request.recorded = true;
    // Recorded and queued together (see creation-fence.ts): if the queue refuses, the row is rolled
    // back and the caller gets a 503; nothing is left half-created.
    const job = await inTransaction(pool, async (client) => {
      const inserted = await insertAsyncJob(client, {
        id: request.id,
        projectId: request.principal.projectId,
        apiKeyId: request.principal.apiKeyId,
        ...payload,
        webhookUrl: webhookUrl ?? null,
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
        webhookUrl: webhookUrl ?? null,
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
  }

  /** `GET …/:id`: the job of this project, if it is of this operation's kind. */
  function retrieve(app: App, path: string, options: { operationId: string; summary: string; schema: typeof chatCompletionJobSchema | typeof embeddingsJobSchema; object: string }) {
    const schema = {
      operationId: options.operationId,
      summary: options.summary,
      params: idParams,
      response: { 200: options.schema },
      errorCodes: ['not_found'] as const satisfies readonly GatewayErrorCode[],
    };
    app.get(path, { schema }, async (request) => {
      const { id } = request.params as z.infer<typeof idParams>;
      const job = await loadAsyncJob(pool, id, request.principal.projectId);
      if (!job || job.object !== options.object) throw new GatewayError({ code: 'not_found', message: `No async job with id '${id}'.`, param: 'id' });
      return job;
    });
  }

  return async (app) => {
    app.post(
      '/async/chat/completions',
      {
        schema: {
          operationId: 'createAsyncChatCompletion',
          summary: 'Queue a chat completion (async)',
          description: 'Accepts the request at once (202, a job) and runs it in the background: poll the job, or take the `webhook`.',
          body: asyncChatSchema,
          response: { 202: chatCompletionJobSchema },
          errorCodes: asyncChatCompletionErrorCodes,
        },
        ...idempotency.routeOptions,
      },
      async (request, reply) =>
        idempotency.run(request, reply, async (key) => {
          const { webhook, ...chat } = request.body;
          if (chat.stream === true) {
            throw new GatewayError({ code: 'stream_not_supported', message: 'stream: true makes no sense for an async job; poll or use a webhook.', param: 'stream' });
          }
          // The object names the operation the job was created for: this one.
          return (await accept(request, reply, key, { operation: 'chat', request: chat }, webhook?.url)) as z.infer<typeof chatCompletionJobSchema>;
        }),
    );
    retrieve(app as App, '/async/chat/completions/:id', {
      operationId: 'retrieveAsyncChatCompletion',
      summary: 'Retrieve an async chat completion job',
      schema: chatCompletionJobSchema,
      object: 'chat.completion.job',
    });

    app.post(
      '/async/embeddings',
      {
        schema: {
          operationId: 'createAsyncEmbeddings',
          summary: 'Queue an embeddings request (async)',
          description: 'Accepts the request at once (202, a job) and embeds in the background: poll the job, or take the `webhook`.',
          body: asyncEmbeddingsSchema,
          response: { 202: embeddingsJobSchema },
          errorCodes: asyncEmbeddingsErrorCodes,
        },
        ...idempotency.routeOptions,
      },
      async (request, reply) =>
        idempotency.run(request, reply, async (key) => {
          const { webhook, ...embeddings } = request.body;
          return (await accept(request, reply, key, { operation: 'embeddings', request: embeddings }, webhook?.url)) as z.infer<typeof embeddingsJobSchema>;
        }),
    );
    retrieve(app as App, '/async/embeddings/:id', { operationId: 'retrieveAsyncEmbeddings', summary: 'Retrieve an async embeddings job', schema: embeddingsJobSchema, object: 'embeddings.job' });
  };
}
