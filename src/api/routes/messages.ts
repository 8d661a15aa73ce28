import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ChatCompletion, ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import type { AppDependencies } from '../app.ts';
import {
  AnthropicStreamEncoder,
  convertMessagesRequest,
  convertToMessage,
  countMessageTokens,
  messageSchema,
  messagesCountTokensRequestSchema,
  messagesRequestSchema,
  messageStreamEventSchema,
} from '../../formats/anthropic-messages/index.ts';
import { chatCompletionErrorCodes, component } from '../openapi-schemas.ts';

/** The `text/event-stream` answer, documented event by event. */
const messageStreamEventDoc = component(
  messageStreamEventSchema.describe(
    'One event of a `stream: true` answer. The body is `text/event-stream`: each event is `event: <type>` then `data: <this object as JSON>`, in the order message_start, then per content block content_block_start, content_block_delta…, content_block_stop, then message_delta (stop reason and usage) and message_stop; `ping` may come at any time, and `error` ends a stream that fails after it started.',
  ),
  'MessageStreamEvent',
);
import { conversionWarningsHeaders } from '../../formats/conversion-warnings.ts';
import type { StreamHandler } from '../sync-requests.ts';
import { replayAsStream, streamChatCompletion, streamSettingsOf } from '../stream-chat-completion.ts';
import { z } from 'zod';

/**
 * Anthropic's Messages API as a format at the edge: the request becomes the internal chat request and
 * runs through the same pipeline (cache, routing and fallback over any provider, limits, records,
 * usage); the answer, whole or streamed, is written back as Anthropic's. Errors on these routes are in
 * Anthropic's shape (see `errorBodyFor`). Auth by `x-api-key` or `Authorization: Bearer`.
 * @see https://docs.anthropic.com/en/api/messages
 */
export function messagesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/messages',
      {
        schema: {
          operationId: 'createMessage',
          summary: "Create a message (Anthropic's Messages API)",
          description:
            "Anthropic's Messages API over any provider: the request is translated to the gateway's chat request and the answer back to a Message, or with `stream: true` to Anthropic's server-sent events. Errors are in Anthropic's shape.",
          tags: ['Chat'],
          body: messagesRequestSchema,
          response: {
            200: {
              description: 'The message (`application/json`), or with `stream: true` its events (`text/event-stream`).',
              content: { 'application/json': { schema: messageSchema }, 'text/event-stream': { schema: messageStreamEventDoc } },
            },
          },
          errorCodes: chatCompletionErrorCodes,
        },
        serializerCompiler: () => (data) => JSON.stringify(data),
      },
      async (request, reply) => {
        const body = request.body;
        const converted = convertMessagesRequest(body, { anthropicBeta: request.headers['anthropic-beta'] });
        if (!converted.ok) throw new GatewayError({ code: 'invalid_request_body', message: converted.message, param: converted.param });
        const streamed = body.stream === true;
        // Streamed, usage is always asked for: `message_delta` carries it.
        const chat: ChatCompletionRequest = streamed ? { ...converted.request, stream: true, stream_options: { include_usage: true } } : { ...converted.request, stream: false };
        const warnings = conversionWarningsHeaders(converted.warnings);
        if (converted.warnings.length > 0) request.log.info({ warnings: converted.warnings }, 'Messages request settings not carried to the chat request');
        reply.headers(warnings);
        reply.header('request-id', request.id);
        const encoder = (response: ServerResponse, options: { heartbeatIntervalMs: number }) =>
          new AnthropicStreamEncoder(response, { model: body.model, requestId: request.id, heartbeatIntervalMs: options.heartbeatIntervalMs });
        const stream: StreamHandler | undefined = streamed
          ? (dispatch, _lease, headers) =>
              streamChatCompletion({
                request,
                reply,
                ...streamSettingsOf(dependencies),
                dispatch,
                headers: { ...headers, 'request-id': request.id, ...warnings },
                encoder,
              })
          : undefined;
        const outcome = await dependencies.syncRequests.run({
          request,
          reply,
          payload: { operation: 'chat', request: chat },
          format: 'messages',
          conversionWarnings: converted.warnings,
          stream,
        });
        if (outcome.source === 'stream') return reply;
        const completion = (outcome.source === 'cache' ? outcome.answer.response : outcome.response) as ChatCompletion;
        if (outcome.source === 'cache' && streamed) {
          replayAsStream({ reply, completion, cost: '0', includeUsage: true, headers: { 'x-request-id': request.id, 'request-id': request.id, 'x-gateway-cache': 'HIT' }, encoder });
          return reply;
        }
        return convertToMessage(completion, { model: body.model, requestId: request.id });
      },
    );

    app.post(
      '/messages/count_tokens',
      {
        schema: {
          operationId: 'countMessageTokens',
          summary: 'Count the input tokens of a message (an estimate)',
          description: "Anthropic's `count_tokens`: the gateway's estimate of the request's input tokens (about four characters a token, tools included), not the provider's tokenizer.",
          tags: ['Chat'],
          body: messagesCountTokensRequestSchema,
          response: { 200: z.object({ input_tokens: z.number().int() }) },
        },
      },
      async (request) => {
        const counted = countMessageTokens(request.body);
        if (!counted.ok) throw new GatewayError({ code: 'invalid_request_body', message: counted.message, param: counted.param });
        return { input_tokens: counted.input_tokens };
      },
    );
  };
}
