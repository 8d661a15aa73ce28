import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cacheHitUsage } from '../../cache/chat-cache.ts';
import { GatewayError } from '../../gateway-error.ts';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { routeTrailHeaders } from '../../routing/route-attempts.ts';
import type { AppDependencies } from '../app.ts';
import { RoutedGatewayError } from '../chat-dispatcher.ts';
import { IdempotentRequests, idempotencyKeyOf } from '../idempotency.ts';
import { chatCompletionErrorCodes, createChatCompletionResponseSchema, createChatCompletionStreamResponseSchema } from '../openapi-schemas.ts';
import { replayAsStream, streamChatCompletion } from '../stream-chat-completion.ts';

export function chatCompletionsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { config, cache } = dependencies;
  const idempotency = new IdempotentRequests({ pool: dependencies.database.pool, requestTimeoutMs: config.server.requestTimeoutMs });
  return async (app) => {
    app.post(
      '/chat/completions',
      {
        schema: {
          operationId: 'createChatCompletion',
          summary: 'Create a chat completion',
          description: 'Answers with the completion, or with `stream: true` as server-sent events (`text/event-stream`).',
          body: chatCompletionRequestSchema,
          response: {
            200: {
              description: 'The completion (`application/json`), or with `stream: true` its chunks (`text/event-stream`).',
              content: {
                'application/json': { schema: createChatCompletionResponseSchema },
                'text/event-stream': { schema: createChatCompletionStreamResponseSchema },
              },
            },
          },
          errorCodes: chatCompletionErrorCodes,
        },
        // The schema documents the answer; the answer itself was validated where it came from (the
        // provider's converter, the cache entry), so it is written without a second zod pass.
        serializerCompiler: () => (data) => JSON.stringify(data),
        ...idempotency.routeOptions,
      },
      async (request, reply) => {
        const body = request.body;
        checkStreamSettings(body, idempotencyKeyOf(request) !== undefined);
        return idempotency.run(request, reply, async () => {
          const { principal } = request;
          const streamed = body.stream === true;
          // The cache comes first: a hit needs no plan (no breaker reads), no queue and no worker.
          const candidates = dependencies.dispatcher.cacheCandidates({ request: body, headers: request.headers });
          const cachePlan = candidates && cache.plan({ projectId: principal.projectId, request: candidates.request, routes: candidates.routes, headers: request.headers });
          const hit = await cache.lookup(cachePlan);
          if (hit) {
            request.recorded = true;
            // Rate limits still count a hit (it is a request); it costs nothing, so no budget is at stake.
            const lease = await dependencies.tenantLimits.admit({ principal, requestId: request.id, request: body, kind: 'sync', reply });
            await lease.release();
            const now = new Date();
            const recorded = dependencies.hitRecorder.record({
              requestId: request.id,
              kind: 'sync',
              projectId: principal.projectId,
              apiKeyId: principal.apiKeyId,
              model: body.model,
              provider: hit.provider,
              upstreamModel: hit.upstreamModel,
              attempts: 0,
              status: 'completed',
              statusCode: 200,
              // No copy of the body per hit: a sync answer is never read back from its record.
              acceptedAt: now,
              startedAt: now,
              completedAt: now,
              usage: cacheHitUsage(hit),
              cacheStatus: 'hit',
              streamed,
              correlation: request.correlation,
            });
            recorded.catch((error: unknown) => dependencies.logger.error({ err: error, requestId: request.id }, 'cannot record a cache hit'));
            reply.header('x-gateway-cache', 'HIT');
            reply.header('x-gateway-cost', '0');
            if (streamed) {
              replayAsStream({ reply, completion: hit.completion, cost: '0', includeUsage: body.stream_options?.include_usage === true, headers: { 'x-request-id': request.id, 'x-gateway-cache': 'HIT' } });
              return reply;
            }
            return hit.completion.usage ? { ...hit.completion, usage: { ...hit.completion.usage, cost: 0 } } : hit.completion;
          }

          // Unknown model, a pin no route has, capabilities, open breakers: refused here, before the queue.
          const routed = await dependencies.dispatcher.plan({ request: body, headers: request.headers });
          const lease = await dependencies.tenantLimits.admit({ principal, requestId: request.id, request: body, kind: 'sync', reply });

          // From here the request is queued: its outcome is recorded (and logged) when it settles.
          request.recorded = true;
          const cacheStatus = cachePlan?.lookup ? 'miss' : 'bypass';
          const cacheHeader = { 'x-gateway-cache': cacheStatus === 'miss' ? 'MISS' : 'BYPASS' };
          // The lookup is done: the worker only stores the answer.
          const dispatch = { requestId: request.id, principal, ...routed, cache: cachePlan && { ...cachePlan, lookup: false }, cacheStatus, correlation: request.correlation } as const;
          if (streamed) {
            await lease.run(() =>
              streamChatCompletion({
                request,
                reply,
                dispatcher: dependencies.dispatcher,
                dispatch,
                requestTimeoutMs: config.server.requestTimeoutMs,
                idleTimeoutMs: config.server.streamIdleTimeoutMs,
                heartbeatIntervalMs: config.server.streamHeartbeatIntervalMs,
                headers: cacheHeader,
                logger: dependencies.logger,
              }),
            );
            return reply;
          }

          reply.headers(cacheHeader);
          const { completion, cost, trail } = await lease.run(() => dependencies.dispatcher.dispatchSync(dispatch)).catch((error: unknown) => {
            if (error instanceof RoutedGatewayError) reply.headers(routeTrailHeaders(error.trail));
            throw error;
          });
          reply.headers(routeTrailHeaders(trail));
          if (cost === undefined) return completion;
          // Exact decimal in the header; a number in `usage.cost` (an extension field) for convenience.
          reply.header('x-gateway-cost', cost);
          return completion.usage ? { ...completion, usage: { ...completion.usage, cost: Number(cost) } } : completion;
        });
      },
    );
  };
}

/**
 * Combinations OpenAI refuses too, `n > 1` streams (one choice per stream here), and streams with an
 * Idempotency-Key (a stream cannot be replayed), answered before any work.
 */
function checkStreamSettings(body: ChatCompletionRequest, idempotent: boolean): void {
  if (body.stream !== true && body.stream_options !== undefined && body.stream_options !== null) {
    throw new GatewayError({ code: 'invalid_request_body', message: "stream_options is only allowed when 'stream' is true", param: 'stream_options' });
  }
  if (body.stream === true && body.n !== undefined && body.n !== null && body.n > 1) {
    throw new GatewayError({ code: 'stream_not_supported', message: 'stream: true supports one choice per request (n: 1); send n > 1 without stream', param: 'n' });
  }
  if (body.stream === true && idempotent) {
    throw new GatewayError({
      code: 'stream_not_supported',
      message: 'stream: true cannot be combined with an Idempotency-Key: a stream is not stored, so it cannot be replayed. Send the request without stream, or without the key.',
      param: 'stream',
    });
  }
}
