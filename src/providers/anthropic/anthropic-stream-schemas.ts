import { z } from 'zod';
import { anthropicErrorBodySchema } from './anthropic-wire-schemas.ts';

/**
 * The events of a streamed Anthropic message (`"stream": true`), one schema per event `type`. Loose
 * like the response schemas: new fields must not break parsing. Event types not listed here are
 * ignored, as Anthropic's versioning policy says new ones may be added.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

const tokenCount = z.number().int().min(0);

/**
 * Usage as `message_start` and `message_delta` carry it: every count optional, because
 * `message_delta` may carry `output_tokens` alone (or no usage at all), and nullable, because the
 * SDKs type the input counts of `message_delta` as `number | null`. Counts are cumulative.
 */
export const anthropicStreamUsageSchema = z.looseObject({
  input_tokens: tokenCount.nullish(),
  output_tokens: tokenCount.nullish(),
  cache_creation_input_tokens: tokenCount.nullish(),
  cache_read_input_tokens: tokenCount.nullish(),
  cache_creation: z.looseObject({ ephemeral_5m_input_tokens: tokenCount.nullish(), ephemeral_1h_input_tokens: tokenCount.nullish() }).nullish(),
});

export const anthropicMessageStartEventSchema = z.looseObject({
  type: z.literal('message_start'),
  /** The Message with empty `content`; extended-thinking streams may leave out its `usage`. */
  message: z.looseObject({ id: z.string().min(1), model: z.string().min(1), usage: anthropicStreamUsageSchema.nullish() }),
});

const blockIndex = z.number().int().min(0);

const textBlockStartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlockStartSchema = z.looseObject({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.unknown().optional() });
const redactedThinkingBlockStartSchema = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });
const textDeltaSchema = z.looseObject({ type: z.literal('text_delta'), text: z.string() });
const inputJsonDeltaSchema = z.looseObject({ type: z.literal('input_json_delta'), partial_json: z.string() });
const signatureDeltaSchema = z.looseObject({ type: z.literal('signature_delta'), signature: z.string() });

/** A `{type}` object whose known types are checked in full against their schema; others pass through. */
function typedObject(known: Record<string, z.ZodType>) {
  return z.looseObject({ type: z.string() }).superRefine((value, context) => {
    const schema = Object.hasOwn(known, value.type) ? known[value.type] : undefined;
    for (const issue of schema?.safeParse(value).error?.issues ?? []) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });
}

/** Text, tool_use and redacted_thinking blocks are checked in full; other types (thinking, server tools, …) pass. */
export const anthropicContentBlockStartEventSchema = z.looseObject({
  type: z.literal('content_block_start'),
  index: blockIndex,
  content_block: typedObject({ text: textBlockStartSchema, tool_use: toolUseBlockStartSchema, redacted_thinking: redactedThinkingBlockStartSchema }),
});

/** `text_delta`, `input_json_delta` and `signature_delta` are checked in full; thinking and citation deltas pass. */
export const anthropicContentBlockDeltaEventSchema = z.looseObject({
  type: z.literal('content_block_delta'),
  index: blockIndex,
  delta: typedObject({ text_delta: textDeltaSchema, input_json_delta: inputJsonDeltaSchema, signature_delta: signatureDeltaSchema }),
});

export const anthropicContentBlockStopEventSchema = z.looseObject({ type: z.literal('content_block_stop'), index: blockIndex });

export const anthropicMessageDeltaEventSchema = z.looseObject({
  type: z.literal('message_delta'),
  delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
  usage: anthropicStreamUsageSchema.nullish(),
});

export const anthropicMessageStopEventSchema = z.looseObject({ type: z.literal('message_stop') });
export const anthropicPingEventSchema = z.looseObject({ type: z.literal('ping') });

/** The same body as an HTTP error answer (`{"type":"error","error":{"type","message"}}`). */
export const anthropicErrorEventSchema = anthropicErrorBodySchema;

export const anthropicStreamEventSchemas = {
  message_start: anthropicMessageStartEventSchema,
  content_block_start: anthropicContentBlockStartEventSchema,
  content_block_delta: anthropicContentBlockDeltaEventSchema,
  content_block_stop: anthropicContentBlockStopEventSchema,
  message_delta: anthropicMessageDeltaEventSchema,
  message_stop: anthropicMessageStopEventSchema,
  ping: anthropicPingEventSchema,
  error: anthropicErrorEventSchema,
} as const;

export type AnthropicStreamEventType = keyof typeof anthropicStreamEventSchemas;
export type AnthropicStreamEvent = { [Type in AnthropicStreamEventType]: z.infer<(typeof anthropicStreamEventSchemas)[Type]> }[AnthropicStreamEventType];
export type AnthropicStreamUsage = z.infer<typeof anthropicStreamUsageSchema>;
export type AnthropicToolUseBlockStart = z.infer<typeof toolUseBlockStartSchema>;
export type AnthropicTextDelta = z.infer<typeof textDeltaSchema>;
export type AnthropicInputJsonDelta = z.infer<typeof inputJsonDeltaSchema>;
export type AnthropicSignatureDelta = z.infer<typeof signatureDeltaSchema>;
export type AnthropicRedactedThinkingBlockStart = z.infer<typeof redactedThinkingBlockStartSchema>;
