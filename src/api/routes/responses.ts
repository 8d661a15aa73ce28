import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ChatCompletion } from '../../providers/chat-completion-schemas.ts';
import { convertOpenAIUsage } from '../../providers/openai/chat/convert-openai-response.ts';
import type { AppDependencies } from '../app.ts';
import { runTranslatedChat } from '../translated-chat.ts';
import { conversionWarningsHeaders } from '../../formats/conversion-warnings.ts';
import {
  convertResponsesRequest,
  convertToResponse,
  newResponseId,
  responseObjectSchema,
  responsesRequestSchema,
  responseStreamEventSchema,
  ResponsesStreamEncoder,
  cancelledResponse,
  failedResponse,
  inProgressResponse,
  queuedResponse,
  type ResponseItem,
} from '../../formats/openai-responses/index.ts';
import { chatCompletionErrorCodes, component } from '../openapi-schemas.ts';

/** The `text/event-stream` answer, documented event by event. */
const responseStreamEventDoc = component(
  responseStreamEventSchema.describe(
    'One event of a `stream: true` answer. The body is `text/event-stream`: each event is `event: <type>` then `data: <this object as JSON>`, numbered by `sequence_number`: response.created and response.in_progress, then per output item response.output_item.added, its parts and deltas, response.output_item.done, and last response.completed (with usage), response.incomplete or response.failed; `error` ends a stream that fails after it started.',
  ),
  'ResponseStreamEvent',
);
import { ResponseStore } from '../response-store.ts';
import { acceptAsyncJob } from '../accept-async-job.ts';
import { cancelAsyncJob, loadAsyncJob } from '../../async-jobs/async-jobs.ts';

const idParamsSchema = z.object({ id: z.string().min(1) });

/**
 * OpenAI's Responses API as a format at the edge: the request (with the stored conversation of its
 * `previous_response_id`) becomes the internal chat request and runs through the same pipeline as chat
 * on any provider; the answer, whole or streamed as Responses events, is written back as a Response and
 * kept in Postgres unless `store: false`. `background: true` runs it as an async job (queued, then
 * in_progress and completed, read back with `GET`; the async job's webhook with the gateway's `webhook: {url}`).
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export function responsesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const store = new ResponseStore(dependencies.database.pool);
  return async (app) => {
    app.post(
      '/responses',
      {
        schema: {
          operationId: 'createResponse',
          summary: 'Create a model response (OpenAI Responses API)',
          description:
            'The Responses API over any provider: translated to the chat request and back, whole or streamed as Responses events; kept for `GET /v1/responses/{id}` and `previous_response_id` unless `store: false`.',
          body: responsesRequestSchema,
          response: {
            200: {
              description: 'The Response (`application/json`), or with `stream: true` its events (`text/event-stream`).',
              content: { 'application/json': { schema: responseObjectSchema }, 'text/event-stream': { schema: responseStreamEventDoc } },
            },
          },
          errorCodes: chatCompletionErrorCodes,
        },
        serializerCompiler: () => (data) => JSON.stringify(data),
      },
      async (request, reply) => {
        const body = request.body;
        const { principal } = request;
        const background = body.background === true;
        if (background && body.store === false)
          throw new GatewayError({ code: 'invalid_request_body', message: 'background: true needs store: true (the response is read back with GET /v1/responses/{id}).', param: 'store' });
        if (background && body.stream === true)
          throw new GatewayError({ code: 'stream_not_supported', message: 'background: true answers at once and is read back with GET; send it without stream.', param: 'stream' });
        let history: ResponseItem[] = [];
        const previousId = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
        if (previousId !== null) {
          const previous = await store.load(principal.projectId, previousId);
          if (!previous) throw new GatewayError({ code: 'not_found', message: `No response with id '${previousId}'.`, param: 'previous_response_id' });
          history = previous.contextItems;
        }
        const id = newResponseId();
        const createdAt = Math.floor(Date.now() / 1000);
        const converted = convertResponsesRequest(body, history, { responseId: id });
        if (!converted.ok) throw new GatewayError({ code: 'invalid_request_body', message: converted.message, param: converted.param });
        const keep = body.store !== false;
        if (background) {
          // An async job (recorded, queued, webhook as for async jobs); the Response is read back with GET.
          reply.headers(conversionWarningsHeaders(converted.warnings));
          const webhook = body['webhook'];
          const webhookUrl = typeof webhook === 'object' && webhook !== null && typeof (webhook as { url?: unknown }).url === 'string' ? (webhook as { url: string }).url : undefined;
          await acceptAsyncJob(dependencies, {
            request,
            payload: { operation: 'chat', request: { ...converted.request, stream: false } },
            format: 'responses',
            conversionWarnings: converted.warnings,
            webhookUrl,
          });
          const queued = queuedResponse({ id, model: body.model, createdAt, request: body });
          await store.save({
            projectId: principal.projectId,
            apiKeyId: principal.apiKeyId,
            requestId: request.id,
            request: body,
            response: queued,
            inputItems: converted.inputItems,
            history,
            previousResponseId: previousId,
          });
          return queued;
        }
        const save = (response: ReturnType<typeof convertToResponse>) =>
          keep
            ? store.save({
                projectId: principal.projectId,
                apiKeyId: principal.apiKeyId,
                requestId: request.id,
                request: body,
                response,
                inputItems: converted.inputItems,
                history,
                previousResponseId: previousId,
              })
            : Promise.resolve();

        let encoded: ResponsesStreamEncoder | undefined;
        const encoder = (response: ServerResponse, options: { heartbeatIntervalMs: number }) =>
          (encoded = new ResponsesStreamEncoder(response, { id, model: body.model, createdAt, request: body, heartbeatIntervalMs: options.heartbeatIntervalMs }));
        // A streamed Response is kept once it has ended (a failed one is not).
        const afterStream = async () => {
          if (encoded?.responseObject.status === 'completed' || encoded?.responseObject.status === 'incomplete') await save(encoded.responseObject);
        };
        const outcome = await runTranslatedChat(dependencies, { request, reply, format: 'responses', converted, streamed: body.stream === true, encoder, afterStream });
        if (outcome.streamed) return reply;
        const { completion, cost } = outcome;
        const response = convertToResponse(completion, { id, model: body.model, createdAt, request: body, usage: convertOpenAIUsage(completion.usage), cost });
        await save(response);
        return response;
      },
    );

    /** A stored response as it stands: a background one's from its async job, kept once settled. */
    async function current(projectId: string, stored: NonNullable<Awaited<ReturnType<typeof store.load>>>) {
      if (stored.response.status !== 'queued' && stored.response.status !== 'in_progress') return stored.response;
      const job = await loadAsyncJob(dependencies.database.pool, stored.requestId, projectId);
      const context = { id: stored.response.id, model: stored.response.model, createdAt: stored.response.created_at, request: stored.request };
      if (!job || job.status === 'queued') return stored.response;
      if (job.status === 'in_progress') return inProgressResponse(context);
      const completion = job.response as ChatCompletion;
      const settled =
        job.status === 'completed'
          ? convertToResponse(completion, { ...context, usage: convertOpenAIUsage(completion.usage), completedAt: job.completed_at ?? undefined })
          : job.status === 'cancelled'
            ? cancelledResponse(context)
            : failedResponse(context, { code: job.error?.code ?? 'provider_error', status: job.error?.status_code ?? 502, message: job.error?.message ?? 'the response failed' });
      await store.settle(stored.response.id, settled);
      return settled;
    }

    app.get(
      '/responses/:id',
      { schema: { operationId: 'getResponse', summary: 'Retrieve a stored response', params: idParamsSchema, response: { 200: responseObjectSchema }, errorCodes: ['not_found'] as const } },
      async (request) => {
        const stored = await store.load(request.principal.projectId, request.params.id);
        if (!stored) throw notFound(request.params.id);
        return current(request.principal.projectId, stored);
      },
    );

    app.post(
      '/responses/:id/cancel',
      {
        schema: {
          operationId: 'cancelResponse',
          summary: 'Cancel a background response',
          description:
            'A `queued` or `in_progress` background response becomes `cancelled`: a queued one never runs; a call under way finishes and is billed, its answer not kept. A response that has already ended is answered as it is.',
          params: idParamsSchema,
          response: { 200: responseObjectSchema },
          errorCodes: ['not_found', 'invalid_request_body'] as const,
        },
      },
      async (request) => {
        const { projectId } = request.principal;
        const stored = await store.load(projectId, request.params.id);
        if (!stored) throw notFound(request.params.id);
        if (!stored.response.background) {
          throw new GatewayError({ code: 'invalid_request_body', message: 'Only a response created with background: true can be cancelled.', param: 'response_id' });
        }
        if (stored.response.status === 'queued' || stored.response.status === 'in_progress') await cancelAsyncJob(dependencies.database.pool, stored.requestId, projectId);
        return current(projectId, stored);
      },
    );

    app.delete(
      '/responses/:id',
      {
        schema: {
          operationId: 'deleteResponse',
          summary: 'Delete a stored response',
          params: idParamsSchema,
          response: { 200: z.object({ id: z.string(), object: z.literal('response'), deleted: z.literal(true) }) },
          errorCodes: ['not_found'] as const,
        },
      },
      async (request) => {
        if (!(await store.remove(request.principal.projectId, request.params.id))) throw notFound(request.params.id);
        return { id: request.params.id, object: 'response' as const, deleted: true as const };
      },
    );

    app.get(
      '/responses/:id/input_items',
      {
        schema: {
          operationId: 'listResponseInputItems',
          summary: "A stored response's input items",
          params: idParamsSchema,
          response: { 200: z.object({ object: z.literal('list'), data: z.array(z.unknown()), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() }) },
          errorCodes: ['not_found'] as const,
        },
      },
      async (request) => {
        const stored = await store.load(request.principal.projectId, request.params.id);
        if (!stored) throw notFound(request.params.id);
        const data = stored.inputItems;
        const idOf = (item: unknown) => (typeof item === 'object' && item !== null && 'id' in item && typeof item.id === 'string' ? item.id : null);
        return { object: 'list' as const, data, first_id: idOf(data[0]), last_id: idOf(data[data.length - 1]), has_more: false };
      },
    );
  };
}

function notFound(id: string): GatewayError {
  return new GatewayError({ code: 'not_found', message: `No response with id '${id}'.`, param: 'response_id' });
}
