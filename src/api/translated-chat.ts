import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatCompletion, ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import { conversionWarningsHeaders } from '../formats/conversion-warnings.ts';
import type { ChatStreamEncoder } from '../formats/sse-writer.ts';
import type { AppDependencies } from './app.ts';
import { replayAsStream, streamChatCompletion, streamSettingsOf } from './stream-chat-completion.ts';

/** What a translated chat request came to: streamed (or a cache hit replayed as a stream) and answered, or a whole completion for the route to translate. */
export type TranslatedChatOutcome = { streamed: true } | { streamed: false; completion: ChatCompletion; /** USD; '0' for a cache hit. */ cost: string | undefined };

/**
 * The one path of a request translated from another format (Messages, Responses) to the internal chat
 * request: the warnings of the translation in the `x-gateway-warnings` header and the log, the sync
 * pipeline (cache, plan, queue, wait) with the format and warnings recorded, and, with `stream: true`,
 * the answer streamed by the format's encoder — a cache hit replayed through it. A whole answer is
 * returned as the completion for the route to translate back.
 */
export async function runTranslatedChat(
  dependencies: AppDependencies,
  input: {
    request: FastifyRequest;
    reply: FastifyReply;
    format: RequestFormat;
    converted: { request: ChatCompletionRequest; warnings: string[] };
    streamed: boolean;
    encoder: (response: ServerResponse, options: { heartbeatIntervalMs: number }) => ChatStreamEncoder;
    /** Headers of the format's own, on every answer (Anthropic's `request-id`). */
    headers?: Record<string, string>;
    /** Once a streamed answer has been written (streamed or replayed). */
    afterStream?: () => Promise<void>;
  },
): Promise<TranslatedChatOutcome> {
  const { request, reply, converted, streamed } = input;
  // Streamed, usage is always asked for: the format's closing event carries it.
  const chat: ChatCompletionRequest = streamed ? { ...converted.request, stream: true, stream_options: { include_usage: true } } : { ...converted.request, stream: false };
  const warnings = conversionWarningsHeaders(converted.warnings);
  if (converted.warnings.length > 0) request.log.info({ warnings: converted.warnings, format: input.format }, 'request settings not carried to the chat request');
  const ownHeaders = { ...input.headers, ...warnings };
  reply.headers(ownHeaders);
  const outcome = await dependencies.syncRequests.run({
    request,
    reply,
    payload: { operation: 'chat', request: chat },
    format: input.format,
    conversionWarnings: converted.warnings,
    stream: streamed
      ? async (dispatch, _lease, headers) => {
          await streamChatCompletion({ request, reply, ...streamSettingsOf(dependencies), dispatch, headers: { ...headers, ...ownHeaders }, encoder: input.encoder });
          await input.afterStream?.();
        }
      : undefined,
  });
  if (outcome.source === 'stream') return { streamed: true };
  const completion = (outcome.source === 'cache' ? outcome.answer.response : outcome.response) as ChatCompletion;
  if (outcome.source === 'cache' && streamed) {
    replayAsStream({ reply, completion, cost: '0', includeUsage: true, headers: { 'x-request-id': request.id, 'x-gateway-cache': 'HIT', ...ownHeaders }, encoder: input.encoder });
    await input.afterStream?.();
    return { streamed: true };
  }
  return { streamed: false, completion, cost: outcome.source === 'cache' ? '0' : outcome.cost };
}
