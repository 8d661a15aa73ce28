import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { ChatCompletion } from '../providers/chat-completion-schemas.ts';
import { convertOpenAIUsage } from '../providers/openai/chat/convert-openai-response.ts';
import { replayCompletionAsChunks } from '../providers/stream/replay-completion.ts';
import { routeTrailHeaders } from '../routing/route-attempts.ts';
import { isStreamMessage } from '../queues/stream-messages.ts';
import { type RequestDispatcher, type SyncDispatchInput } from './request-dispatcher.ts';
import { RoutedGatewayError } from './routed-gateway-error.ts';
import type { ServerResponse } from 'node:http';
import { SseWriter, type ChatStreamEncoder } from '../formats/sse-writer.ts';
import type { StreamReceived } from './stream-reception.ts';

/**
 * Answers a `stream: true` call through the queue. The response commits (status 200, SSE headers)
 * at the first chunk, or at the first heartbeat if the call is still waiting `heartbeatIntervalMs`
 * after it was queued, whichever comes first. A failure before that (after the worker's retries and
 * fallbacks) is an ordinary HTTP error with its status; after it, the SSE stream ends with `[DONE]`
 * or an error event, never silently. Errors found before queueing (unknown model, rate limits) are
 * always HTTP statuses. A client that goes away cancels the job (queued: removed; running: aborted).
 */
export async function streamChatCompletion(options: {
  request: FastifyRequest;
  reply: FastifyReply;
  dispatcher: RequestDispatcher;
  /** A chat request (only chat streams). */
  dispatch: SyncDispatchInput;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  /** An SSE comment after this long without a write, queued or between chunks; 0: none. @defaultValue 0 */
  heartbeatIntervalMs?: number;
  /** Extra response headers (`x-gateway-cache`). */
  headers?: Record<string, string>;
  /** The wire format the answer is written in. @defaultValue OpenAI's chat completion chunks ({@link SseWriter}) */
  encoder?: (response: ServerResponse, options: { heartbeatIntervalMs: number }) => ChatStreamEncoder;
  logger: Logger;
}): Promise<void> {
  const { reply, dispatcher, dispatch } = options;
  const includeUsage = dispatch.operation !== 'embeddings' && dispatch.request.stream_options?.include_usage === true;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 0;
  const { reception, abandon } = await dispatcher.dispatchStream(dispatch);
  let finished = false;
  const onClose = () => {
    if (finished) return;
    finished = true;
    void abandon().then((removed) => options.logger.info({ requestId: dispatch.requestId, removedFromQueue: removed }, 'stream client disconnected; cancelled'));
  };
  reply.raw.on('close', onClose);

  const baseHeaders = { 'x-request-id': options.request.id, ...options.headers };
  const writer = options.encoder ? options.encoder(reply.raw, { heartbeatIntervalMs }) : new SseWriter(reply.raw, { includeUsage, heartbeatIntervalMs });
  const commit = (headers: Record<string, string>) => {
    if (writer.started) return;
    reply.hijack();
    writer.start({ ...baseHeaders, ...headers });
  };
  /** A failure before the first chunk: an HTTP error while nothing was sent, else an error event. */
  const failBeforeFirstChunk = (error: GatewayError) => {
    if (!writer.started) throw error;
    writer.fail(error);
  };

  try {
    let first = await reception.next(heartbeatIntervalMs > 0 ? Math.min(heartbeatIntervalMs, options.requestTimeoutMs) : options.requestTimeoutMs);
    const waitLeftMs = options.requestTimeoutMs - heartbeatIntervalMs;
    if (first === undefined && !finished && heartbeatIntervalMs > 0 && waitLeftMs > 0) {
      // Still queued behind a busy provider: commit now and keep the connection alive while it waits.
      commit({});
      writer.keepAlive();
      first = await reception.next(waitLeftMs);
    }
    if (first === undefined) {
      if (finished) return; // the client left while it was queued
      finished = true;
      failBeforeFirstChunk(dispatcher.timeoutError(await abandon()));
      return;
    }
    if (!isStreamMessage(first)) {
      finished = true;
      if (!first.ok) {
        failBeforeFirstChunk(new RoutedGatewayError(first.error, first.trail));
        return;
      }
      // Answered whole (a re-delivered job found the record): replayed as a stream.
      commit(routeTrailHeaders(first.trail ?? []));
      writeWhole(writer, first.response as ChatCompletion, first.cost);
      return;
    }

    // Headers committed by a heartbeat could not carry the route trail; the record has it.
    commit(first.stream === 'chunks' ? routeTrailHeaders(first.trail ?? []) : {});
    let expected = 0;
    let message: StreamReceived | undefined = first;
    while (message && !finished) {
      if (!isStreamMessage(message) || message.seq !== expected) {
        // A message lost in a Redis reconnect, or the job re-run from scratch after its worker died.
        writer.fail(new GatewayError({ code: 'stream_interrupted', message: 'the stream from the worker was interrupted; retry the request' }));
        finished = true;
        await abandon();
        return;
      }
      expected += 1;
      if (message.stream === 'chunks') {
        writer.chunks(message.chunks);
      } else {
        finished = true;
        if (message.error) writer.fail(new GatewayError(message.error));
        else writer.finish(message.usage, message.cost);
        return;
      }
      const next = await reception.next(options.idleTimeoutMs);
      if (next === undefined && !finished) {
        writer.fail(new GatewayError({ code: 'stream_interrupted', message: `nothing arrived from the provider for ${options.idleTimeoutMs} ms` }));
        finished = true;
        await abandon();
        return;
      }
      message = next;
    }
  } finally {
    reception.close();
  }
}

/** What every streaming route passes {@link streamChatCompletion} from its dependencies: the dispatcher, the config's timeouts and heartbeat, the logger. */
export function streamSettingsOf(dependencies: { dispatcher: RequestDispatcher; config: Pick<GatewayConfig, 'server'>; logger: Logger }) {
  const { server } = dependencies.config;
  return {
    dispatcher: dependencies.dispatcher,
    requestTimeoutMs: server.requestTimeoutMs,
    idleTimeoutMs: server.streamIdleTimeoutMs,
    heartbeatIntervalMs: server.streamHeartbeatIntervalMs,
    logger: dependencies.logger,
  };
}

/** A whole answer (a cache hit) sent as the stream a `stream: true` caller expects. */
export function replayAsStream(options: {
  reply: FastifyReply;
  completion: ChatCompletion;
  cost: string;
  includeUsage: boolean;
  headers: Record<string, string>;
  /** @defaultValue OpenAI's chat completion chunks */
  encoder?: (response: ServerResponse, options: { heartbeatIntervalMs: number }) => ChatStreamEncoder;
}): void {
  options.reply.hijack();
  const writer = options.encoder ? options.encoder(options.reply.raw, { heartbeatIntervalMs: 0 }) : new SseWriter(options.reply.raw, { includeUsage: options.includeUsage });
  writer.start(options.headers);
  writeWhole(writer, options.completion, options.cost);
}

function writeWhole(writer: ChatStreamEncoder, completion: ChatCompletion, cost: string | undefined): void {
  writer.chunks(replayCompletionAsChunks(completion));
  writer.finish(convertOpenAIUsage(completion.usage), cost);
}
