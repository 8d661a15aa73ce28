import { z } from 'zod';
import { thinkingBlocksSchema, type TokenUsage } from './chat-completion-schemas.ts';

/**
 * The gateway's canonical stream unit: OpenAI's `chat.completion.chunk`, whatever the provider's
 * wire format. Loose like the rest of the canonical schemas: unknown fields pass through.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
const toolCallDeltaSchema = z.looseObject({
  index: z.number().int().min(0),
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});

export const chatCompletionChunkSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int().min(0),
      delta: z.looseObject({
        role: z.literal('assistant').optional(),
        content: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z.array(toolCallDeltaSchema).optional(),
        /** Whole blocks, each once its signature (or redacted data) arrived; over the stream, the message's `thinking_blocks`. */
        thinking_blocks: thinkingBlocksSchema,
      }),
      finish_reason: z.string().nullable(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: z.looseObject({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }).nullish(),
  system_fingerprint: z.string().nullish(),
});

export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;
export type ChatCompletionChunkChoice = ChatCompletionChunk['choices'][number];

/** One server-sent event as the provider sent it (already split by the SSE parser). */
export interface WireEvent {
  /** The `event:` field; undefined when the provider sends only `data:` lines (OpenAI, Gemini). */
  event?: string | undefined;
  data: string;
  /**
   * The AWS event-stream `:message-type` (`event`, `exception`, `error`), where the stream is framed so
   * (Bedrock); undefined for server-sent events.
   */
  messageType?: string | undefined;
}

/**
 * How a provider frames its stream, where not as server-sent events: the `accept` header it wants and
 * a decoder of the raw bytes into {@link WireEvent}s (stateful, one per call: a frame may span reads).
 */
export interface StreamFraming {
  readonly accept: string;
  /** @param provider the provider instance's name, for the errors of a malformed stream */
  createDecoder(provider: string): StreamDecoder;
}

export interface StreamDecoder {
  /** The events the bytes complete; throws a `ProviderError` for bytes that are not a valid frame. */
  push(bytes: Uint8Array): WireEvent[];
  /** At the end of the body: the events still held back; throws when a frame was left incomplete. */
  end(): WireEvent[];
}

/**
 * Translates one provider stream into OpenAI chunks. Stateful (one per call) but pure: no I/O, no
 * clock, no logger. Usage is not emitted as a chunk: it is kept for {@link StreamTranslator.usage},
 * and the gateway writes the `include_usage` chunk itself once the call is recorded.
 */
export interface StreamTranslator {
  /**
   * One provider event in, zero or more chunks out. Throws a `ProviderError` for an error event
   * (Anthropic's `event: error`, an OpenAI `{"error":…}` data line, a Gemini error object) or an
   * event that does not parse.
   */
  push(event: WireEvent): ChatCompletionChunk[];
  /** True once the provider said the answer is complete (`[DONE]`, `message_stop`, a Gemini `finishReason`). */
  readonly done: boolean;
  /** The usage the provider reported so far; undefined when it reported none. */
  usage(): TokenUsage | undefined;
}

export interface StreamTranslatorInput {
  provider: string;
  upstreamModel: string;
  requestId: string;
  /** Epoch seconds for `created` (the translator has no clock). */
  created: number;
}
