import { z } from 'zod';

/**
 * What `POST /v1/messages` answers: an Anthropic Message, or with `stream: true` its server-sent events.
 * Described with zod so a route can document the answer and tests can check what the converters build.
 * @see https://docs.anthropic.com/en/api/messages#response
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */

const tokenCount = z.number().int().min(0);

/**
 * `input_tokens` counts only the input read neither from nor into the prompt cache; the three input
 * counts sum to the whole input.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export const messageUsageSchema = z.object({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount.nullable(),
  cache_read_input_tokens: tokenCount.nullable(),
});

export const messageTextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });
export const messageThinkingBlockSchema = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
export const messageRedactedThinkingBlockSchema = z.object({ type: z.literal('redacted_thinking'), data: z.string() });
export const messageToolUseBlockSchema = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) });
export const messageContentBlockSchema = z.discriminatedUnion('type', [messageTextBlockSchema, messageThinkingBlockSchema, messageRedactedThinkingBlockSchema, messageToolUseBlockSchema]);

/** @see https://docs.anthropic.com/en/api/handling-stop-reasons */
export const messageStopReasonSchema = z.enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);

export const messageSchema = z.object({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(messageContentBlockSchema),
  stop_reason: messageStopReasonSchema.nullable(),
  stop_sequence: z.string().nullable(),
  usage: messageUsageSchema,
});

export type MessageUsage = z.infer<typeof messageUsageSchema>;
export type MessageContentBlock = z.infer<typeof messageContentBlockSchema>;
export type MessageStopReason = z.infer<typeof messageStopReasonSchema>;
export type AnthropicMessage = z.infer<typeof messageSchema>;

/** `{"type":"error","error":{"type","message"}}`: the body of an error answer and of an `error` event. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** A content block as `content_block_start` opens it: empty, to be filled by deltas (a redacted_thinking block comes whole). */
export type MessageBlockStart =
  | { type: 'text'; text: '' }
  | { type: 'thinking'; thinking: ''; signature: '' }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, never> };

export type MessageBlockDelta =
  { type: 'text_delta'; text: string } | { type: 'thinking_delta'; thinking: string } | { type: 'signature_delta'; signature: string } | { type: 'input_json_delta'; partial_json: string };

/** The events of a streamed Message, in the order Anthropic sends them (plus `ping` at any time). */
export type MessageStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: MessageBlockStart }
  | { type: 'content_block_delta'; index: number; delta: MessageBlockDelta }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: MessageStopReason; stop_sequence: string | null };
      /** Cumulative counts; the SDKs read the input counts here when present. `cost` (USD) is the gateway's extension. */
      usage: MessageUsage & { cost?: number };
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | AnthropicErrorBody;
