import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { GatewayError, type GatewayErrorCode } from '../../errors/gateway-error.ts';
import { cancelAsyncJob, loadAsyncJob } from '../../async-jobs/async-jobs.ts';
import { acceptAsyncJob } from '../accept-async-job.ts';
import { embeddingsRequestSchema } from '../../providers/embeddings-schemas.ts';
import type { OperationPayload } from '../../operations/registry.ts';
import { formatOfOperation } from '../../formats/request-format.ts';
import { chatCompletionRequestSchema } from '../../providers/chat-completion-schemas.ts';
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
  const { idempotency } = dependencies;

  const accept = async (request: FastifyRequest, reply: FastifyReply, key: HeldIdempotencyKey | undefined, payload: OperationPayload, webhookUrl: string | undefined) => {
    const job = await acceptAsyncJob(dependencies, { request, key, payload, format: formatOfOperation(payload.operation), webhookUrl });
    reply.code(202);
    return job;
  };

  /**
   * `GET …/:id`: the job of this project, if it is of this operation's kind; `POST …/:id/cancel`: a job
   * not settled yet becomes `cancelled` (one that has settled is answered as it is).
   */
  function retrieve(app: App, path: string, options: { operationId: string; summary: string; schema: typeof chatCompletionJobSchema | typeof embeddingsJobSchema; object: string }) {
    const schema = {
      operationId: options.operationId,
      summary: options.summary,
      params: idParams,
      response: { 200: options.schema },
      errorCodes: ['not_found'] as const satisfies readonly GatewayErrorCode[],
    };
    const load = async (request: FastifyRequest) => {
      const { id } = request.params as z.infer<typeof idParams>;
      const job = await loadAsyncJob(dependencies.database.pool, id, request.principal.projectId);
      if (!job || job.object !== options.object) throw new GatewayError({ code: 'not_found', message: `No async job with id '${id}'.`, param: 'id' });
      return job;
    };
    app.get(path, { schema }, async (request) => load(request));
    const cancelSchema = {
      ...schema,
      operationId: options.operationId.replace(/^retrieve/, 'cancel'),
      summary: options.summary.replace(/^Retrieve/, 'Cancel'),
      description:
        'A `queued` job never runs; an `in_progress` one is `cancelled` at once: its call finishes and is billed, its answer is not kept, no webhook follows. A settled job is answered as it is.',
    };
    app.post(`${path}/cancel`, { schema: cancelSchema }, async (request) => {
      const job = await load(request);
      if (job.status !== 'queued' && job.status !== 'in_progress') return job;
      return (await cancelAsyncJob(dependencies.database.pool, job.id, request.principal.projectId)) ?? load(request);
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
