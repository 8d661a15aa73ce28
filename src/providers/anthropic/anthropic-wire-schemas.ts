import { z } from 'zod';

/**
 * Anthropic's Messages API as the gateway speaks it. Request objects are strict: Anthropic refuses
 * fields it does not know, so a test parsing a built body with these schemas catches a stray field
 * before Anthropic would. Response objects are loose: new fields must not break parsing.
 * @see https://docs.anthropic.com/en/api/messages
 */

/** Prompt-caching breakpoint, passed through from a client's content part or tool. */
export const anthropicCacheControlSchema = z.looseObject({ type: z.literal('ephemeral'), ttl: z.string().optional() });

export const anthropicTextBlockSchema = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1),
  cache_control: anthropicCacheControlSchema.optional(),
});

export const anthropicImageBlockSchema = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
    z.strictObject({ type: z.literal('url'), url: z.url() }),
  ]),
  cache_control: anthropicCacheControlSchema.optional(),
});

/** PDFs, from OpenAI `file` parts carrying `file_data`. */
export const anthropicDocumentBlockSchema = z.strictObject({
  type: z.literal('document'),
  source: z.strictObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
  title: z.string().optional(),
  cache_control: anthropicCacheControlSchema.optional(),
});

export const anthropicToolUseBlockSchema = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

export const anthropicToolResultBlockSchema = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.union([anthropicTextBlockSchema, anthropicImageBlockSchema]))]).optional(),
});

/**
 * Claude's own thinking of an earlier turn, sent back as Anthropic answered it: the signature (or the
 * encrypted data) lets Anthropic check the block is unmodified.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
 */
export const anthropicThinkingBlockSchema = z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
export const anthropicRedactedThinkingBlockSchema = z.strictObject({ type: z.literal('redacted_thinking'), data: z.string() });

export const anthropicRequestBlockSchema = z.discriminatedUnion('type', [
  anthropicTextBlockSchema,
  anthropicImageBlockSchema,
  anthropicDocumentBlockSchema,
  anthropicToolUseBlockSchema,
  anthropicToolResultBlockSchema,
  anthropicThinkingBlockSchema,
  anthropicRedactedThinkingBlockSchema,
]);

export const anthropicMessageSchema = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.array(anthropicRequestBlockSchema).min(1),
});

export const anthropicToolSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  cache_control: anthropicCacheControlSchema.optional(),
});

const parallel = { disable_parallel_tool_use: z.boolean().optional() };
export const anthropicToolChoiceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), ...parallel }),
  z.strictObject({ type: z.literal('any'), ...parallel }),
  z.strictObject({ type: z.literal('tool'), name: z.string().min(1), ...parallel }),
  z.strictObject({ type: z.literal('none') }),
]);

export const anthropicMessagesRequestSchema = z.strictObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(anthropicMessageSchema).min(1),
  system: z.union([z.string().min(1), z.array(anthropicTextBlockSchema).min(1)]).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(anthropicToolSchema).optional(),
  tool_choice: anthropicToolChoiceSchema.optional(),
  metadata: z.strictObject({ user_id: z.string() }).optional(),
  /** Extended thinking, passed through as the client sent it. */
  thinking: z.unknown().optional(),
  /** Server-sent events instead of one JSON message (`convertToAnthropicStreamRequest`). */
  stream: z.literal(true).optional(),
});

export type AnthropicTextBlock = z.infer<typeof anthropicTextBlockSchema>;
export type AnthropicImageBlock = z.infer<typeof anthropicImageBlockSchema>;
export type AnthropicToolResultBlock = z.infer<typeof anthropicToolResultBlockSchema>;
export type AnthropicRequestBlock = z.infer<typeof anthropicRequestBlockSchema>;
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;
export type AnthropicTool = z.infer<typeof anthropicToolSchema>;
export type AnthropicToolChoice = z.infer<typeof anthropicToolChoiceSchema>;
export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;

const tokenCount = z.number().int().min(0);

/** @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount.nullish(),
  cache_read_input_tokens: tokenCount.nullish(),
  /** The cache writes split by lifetime (1-hour writes are billed at twice the input rate). */
  cache_creation: z.looseObject({ ephemeral_5m_input_tokens: tokenCount.nullish(), ephemeral_1h_input_tokens: tokenCount.nullish() }).nullish(),
});

const responseTextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const responseToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
/**
 * Text and tool_use blocks are checked in full; other types (thinking, server tools, …) stay
 * parseable for the converter to handle or report.
 */
export const anthropicResponseBlockSchema = z.looseObject({ type: z.string() }).superRefine((block, context) => {
  const schema = block.type === 'text' ? responseTextBlockSchema : block.type === 'tool_use' ? responseToolUseBlockSchema : undefined;
  for (const issue of schema?.safeParse(block).error?.issues ?? []) {
    context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  }
});

export const anthropicMessageResponseSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(anthropicResponseBlockSchema),
  stop_reason: z.string().nullable(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.optional(),
});

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;
export type AnthropicResponseBlock = z.infer<typeof anthropicResponseBlockSchema>;
export type AnthropicResponseTextBlock = z.infer<typeof responseTextBlockSchema>;
export type AnthropicResponseToolUseBlock = z.infer<typeof responseToolUseBlockSchema>;
export type AnthropicMessageResponse = z.infer<typeof anthropicMessageResponseSchema>;

/** @see https://docs.anthropic.com/en/api/errors#error-shapes */
export const anthropicErrorBodySchema = z.looseObject({
  type: z.literal('error'),
  error: z.looseObject({ type: z.string(), message: z.string() }),
  request_id: z.string().optional(),
});
