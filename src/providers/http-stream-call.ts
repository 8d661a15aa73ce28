import { createParser } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import type { ChatCompletionRequest } from './chat-completion-schemas.ts';
import type { ChatCompletionChunk, StreamDecoder, StreamFraming, WireEvent } from './chat-stream.ts';
import { withTraceContext, type ChatCallContext, type ChatResult, type HttpWireFormat, type RequestAuthorizer } from './provider-client.ts';
import { ProviderError } from '../errors/provider-error.ts';
import { estimateUsage } from './estimate-usage.ts';
import { CompletionAssembler } from './stream/assemble-completion.ts';
import { replayCompletionAsChunks } from './stream/replay-completion.ts';

export interface StreamCallInput<Config> {
  wireFormat: HttpWireFormat<Config>;
  config: Config;
  pool: Dispatcher;
  provider: string;
  basePath: string;
  /** `host[:port]` of the pool's origin (what a request signer signs as `Host`). */
  host: string;
  authorize?: RequestAuthorizer | undefined;
  request: ChatCompletionRequest;
  context: ChatCallContext;
  onChunks: (chunks: ChatCompletionChunk[]) => void;
  /** Maps a thrown network error (reset, timeout) onto a ProviderError. */
  networkError: (error: unknown) => ProviderError;
}

/** Server-sent events, split by `eventsource-parser`: the framing of every provider but Bedrock. */
const serverSentEvents: StreamFraming = {
  accept: 'text/event-stream',
  createDecoder(): StreamDecoder {
    const decoder = new TextDecoder();
    let events: WireEvent[] = [];
    const parser = createParser({ onEvent: (event) => events.push({ event: event.event, data: event.data }) });
    return {
      push(bytes) {
        parser.feed(decoder.decode(bytes, { stream: true }));
        const complete = events;
        events = [];
        return complete;
      },
      end() {
        parser.feed(decoder.decode());
        return events;
      },
    };
  },
};

/**
 * One streamed call: the wire format's stream request, the body split into events by its framing
 * (server-sent events by `eventsource-parser` unless the format says otherwise), each event through
 * the format's translator, chunks handed on per network read. The pool's header and body timeouts
 * bound the wait for the first byte and between reads, not the length of the answer. A provider that
 * answers a plain JSON completion to a stream request is replayed as chunks rather than refused.
 */
export async function streamChatCall<Config>(input: StreamCallInput<Config>): Promise<ChatResult> {
  const { wireFormat, provider, request, context } = input;
  const wire = wireFormat.buildStreamRequest({ request, upstreamModel: context.upstreamModel, config: input.config, requestId: context.requestId });
  const fallback = { id: `chatcmpl-${context.requestId}`, model: context.upstreamModel, created: Math.floor(Date.now() / 1000) };
  const translator = wireFormat.createStreamTranslator({ provider, upstreamModel: context.upstreamModel, requestId: context.requestId, created: fallback.created });
  const assembler = new CompletionAssembler();
  let failure: unknown;
  let pending: ChatCompletionChunk[] = [];
  const framing = wireFormat.streamFraming ?? serverSentEvents;
  const decoder = framing.createDecoder(provider);
  const translate = (events: WireEvent[]) => {
    for (const event of events) {
      // Read to the end even once `done` (Gemini has no end marker: a late candidate or usage event still counts).
      if (failure !== undefined) return;
      try {
        pending.push(...translator.push(event));
      } catch (error) {
        failure = error;
      }
    }
  };
  const flush = () => {
    if (pending.length === 0) return;
    const chunks = pending;
    pending = [];
    assembler.push(chunks);
    input.onChunks(chunks);
  };

  const path = input.basePath + wire.path;
  const body = JSON.stringify(wire.body);
  const unsigned = { ...withTraceContext(wire.headers, context), accept: framing.accept };
  const headers = input.authorize ? await input.authorize({ method: 'POST', host: input.host, path, headers: unsigned, body }) : unsigned;
  let response: Dispatcher.ResponseData;
  try {
    response = await input.pool.request({ method: 'POST', path, headers, body, signal: context.signal });
  } catch (error) {
    throw input.networkError(error);
  }
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.statusCode >= 400 || contentType.includes('application/json')) {
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw input.networkError(error);
    }
    const body = parseJson(text);
    if (response.statusCode >= 400) {
      throw wireFormat.parseError({ provider, status: response.statusCode, headers: response.headers, body: body === undefined ? text : body });
    }
    const whole = wireFormat.parseChatResponse({ provider, body, upstreamModel: context.upstreamModel, requestId: context.requestId });
    input.onChunks(replayCompletionAsChunks(whole.completion));
    return withWarnings(whole.usage.estimated ? { ...whole, usage: estimateUsage(request, whole.completion) } : whole, wire.warnings);
  }

  try {
    for await (const piece of response.body) {
      try {
        translate(decoder.push(piece as Buffer));
      } catch (error) {
        failure = error; // bytes that are no valid frame
      }
      flush();
      if (failure !== undefined) break;
    }
  } catch (error) {
    flush();
    throw input.networkError(error);
  }
  if (failure === undefined) {
    try {
      translate(decoder.end());
    } catch (error) {
      failure = error;
    }
    flush();
  }
  if (failure !== undefined) {
    response.body.destroy();
    throw failure;
  }
  if (!translator.done) {
    throw new ProviderError({ provider, status: 502, code: 'stream_incomplete', message: 'the provider ended the stream before the answer was complete', retryable: true });
  }
  const completion = assembler.completion(fallback, translator.usage());
  const usage = translator.usage() ?? estimateUsage(request, completion);
  return withWarnings({ completion, usage }, wire.warnings);
}

function withWarnings(result: ChatResult, wireWarnings: string[] | undefined): ChatResult {
  const warnings = [...(wireWarnings ?? []), ...(result.warnings ?? [])];
  return warnings.length > 0 ? { ...result, warnings } : result;
}

/** The parsed body, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
