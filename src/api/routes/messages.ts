import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AppDependencies } from '../app.ts';
import { runTranslatedChat } from '../translated-chat.ts';
import { resolveRoutes } from '../../routing/resolve-route.ts';
import { tokenCountingFor } from '../../tokens/token-families.ts';
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
        const encoder = (response: ServerResponse, options: { heartbeatIntervalMs: number }) =>
          new AnthropicStreamEncoder(response, { model: body.model, requestId: request.id, heartbeatIntervalMs: options.heartbeatIntervalMs });
        const outcome = await runTranslatedChat(dependencies, { request, reply, format: 'messages', converted, streamed: body.stream === true, encoder, headers: { 'request-id': request.id } });
        if (outcome.streamed) return reply;
        const { completion } = outcome;
        return convertToMessage(completion, { model: body.model, requestId: request.id });
      },
    );

    app.post(
      '/messages/count_tokens',
      {
        schema: {
          operationId: 'countMessageTokens',
          summary: 'Count the input tokens of a message (an estimate)',
          description:
            "Anthropic's `count_tokens`: the request's input tokens as the gateway counts them before a call (the tokenizer of the model's family; for Claude, `o200k_base` times a correction factor), tools and tool calls included, images at a fixed estimate. An approximation of the provider's own count.",
          tags: ['Chat'],
          body: messagesCountTokensRequestSchema,
          response: { 200: z.object({ input_tokens: z.number().int() }) },
        },
      },
      async (request) => {
        // Counted for the model's first route in config order (the one a call tries first, bar strategy and breakers).
        const firstRoute = resolveRoutes({ model: request.body.model, config: dependencies.config })?.[0];
        const counted = countMessageTokens(request.body, tokenCountingFor(firstRoute?.upstreamModel ?? request.body.model));
        if (!counted.ok) throw new GatewayError({ code: 'invalid_request_body', message: counted.message, param: counted.param });
        return { input_tokens: counted.input_tokens };
      },
    );
  };
}
