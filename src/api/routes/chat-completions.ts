import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { chatCompletionRequestSchema, type ChatCompletion, type ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import type { AppDependencies } from '../app.ts';
import type { StreamHandler } from '../sync-requests.ts';
import { idempotencyKeyOf } from '../idempotency.ts';
import { chatCompletionErrorCodes, createChatCompletionResponseSchema, createChatCompletionStreamResponseSchema } from '../openapi-schemas.ts';
import { replayAsStream, streamChatCompletion, streamSettingsOf } from '../stream-chat-completion.ts';

export function chatCompletionsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { idempotency } = dependencies;
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
          const stream: StreamHandler | undefined =
            body.stream === true
              ? (dispatch, _lease, headers) =>
                  streamChatCompletion({
                    request,
                    reply,
                    ...streamSettingsOf(dependencies),
                    dispatch,
                    headers,
                  })
              : undefined;
          const outcome = await dependencies.syncRequests.run({ request, reply, payload: { operation: 'chat', request: body }, format: 'chat', stream });
          if (outcome.source === 'stream') return reply;
          if (outcome.source === 'cache') {
            const completion = outcome.answer.response as ChatCompletion;
            if (stream) {
              replayAsStream({ reply, completion, cost: '0', includeUsage: body.stream_options?.include_usage === true, headers: { 'x-request-id': request.id, 'x-gateway-cache': 'HIT' } });
              return reply;
            }
            return withCost(completion, '0');
          }
          return withCost(outcome.response as ChatCompletion, outcome.cost);
        });
      },
    );
  };
}

/** `usage.cost` (a number, an extension field) beside the exact decimal of the `x-gateway-cost` header. */
function withCost(completion: ChatCompletion, cost: string | undefined): ChatCompletion {
  if (cost === undefined || !completion.usage) return completion;
  return { ...completion, usage: { ...completion.usage, cost: Number(cost) } };
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
