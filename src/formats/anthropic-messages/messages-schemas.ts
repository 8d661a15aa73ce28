import { z } from 'zod';

/**
 * Anthropic's Messages API as clients send it to `POST /v1/messages`. Objects are loose: Anthropic adds
 * fields over time, and the converter reports every field it does not carry as a warning rather than
 * refusing the request. Block types the gateway cannot carry (server-tool blocks, search results …)
 * fail the block union, which names the types it accepts.
 * @see https://docs.anthropic.com/en/api/messages
 */

/** A prompt-caching breakpoint. @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching */
export const messagesCacheControlSchema = z.looseObject({ type: z.literal('ephemeral'), ttl: z.string().optional() });
const cacheControl = messagesCacheControlSchema.nullish();

export const messagesTextBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControl,
  citations: z.array(z.unknown()).nullish(),
});

export const messagesImageBlockSchema = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
    z.looseObject({ type: z.literal('file'), file_id: z.string().min(1) }),
  ]),
  cache_control: cacheControl,
});

/** PDFs (base64 or URL), plain text, custom content, or an Anthropic Files API id. */
export const messagesDocumentBlockSchema = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
    z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
    z.looseObject({ type: z.literal('content'), content: z.union([z.string(), z.array(z.unknown())]) }),
    z.looseObject({ type: z.literal('file'), file_id: z.string().min(1) }),
  ]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.looseObject({ enabled: z.boolean().optional() }).nullish(),
  cache_control: cacheControl,
});

export const messagesToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
  cache_control: cacheControl,
});

/** What a tool result may hold: text and images are carried; other types are refused by the converter. */
const toolResultContentBlockSchema = z.looseObject({ type: z.string().min(1) });

export const messagesToolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(toolResultContentBlockSchema)]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

export const messagesThinkingBlockSchema = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
export const messagesRedactedThinkingBlockSchema = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

export const messagesContentBlockSchema = z.discriminatedUnion('type', [
  messagesTextBlockSchema,
  messagesImageBlockSchema,
  messagesDocumentBlockSchema,
  messagesToolUseBlockSchema,
  messagesToolResultBlockSchema,
  messagesThinkingBlockSchema,
  messagesRedactedThinkingBlockSchema,
]);

/** `system` turns inside `messages` are in the SDK's types (`SystemMessageParam`): text only. */
export const messagesMessageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(messagesContentBlockSchema)]) }),
  z.looseObject({ role: z.literal('assistant'), content: z.union([z.string(), z.array(messagesContentBlockSchema)]) }),
  z.looseObject({ role: z.literal('system'), content: z.union([z.string(), z.array(messagesTextBlockSchema)]) }),
]);

/**
 * A tool definition. Client tools (no `type`, or `custom`) carry `input_schema`; Anthropic's own tools
 * (`web_search_20250305`, `bash_20250124`, `text_editor_…`) have a versioned `type` and are refused by
 * the converter, since other providers know neither their schemas nor how to run them.
 */
export const messagesToolSchema = z.looseObject({
  type: z.string().nullish(),
  name: z.string().min(1),
  description: z.string().nullish(),
  input_schema: z.looseObject({ type: z.literal('object') }).optional(),
  strict: z.boolean().nullish(),
  cache_control: cacheControl,
});

const parallel = { disable_parallel_tool_use: z.boolean().optional() };
export const messagesToolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), ...parallel }),
  z.looseObject({ type: z.literal('any'), ...parallel }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1), ...parallel }),
  z.looseObject({ type: z.literal('none') }),
]);

/** @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking */
export const messagesThinkingSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('adaptive') }),
]);

const systemSchema = z.union([z.string(), z.array(messagesTextBlockSchema)]);

/** The fields a token count takes: a message request without its output settings. */
const promptShape = {
  model: z.string().min(1),
  messages: z.array(messagesMessageSchema).min(1),
  system: systemSchema.optional(),
  tools: z.array(messagesToolSchema).optional(),
  tool_choice: messagesToolChoiceSchema.optional(),
  thinking: messagesThinkingSchema.optional(),
};

export const messagesRequestSchema = z.looseObject({
  ...promptShape,
  max_tokens: z
    .number({
      error: (issue) =>
        issue.input === undefined ? 'max_tokens is required: the Messages API needs the maximum number of tokens to generate (e.g. "max_tokens": 1024)' : 'max_tokens must be a positive integer',
    })
    .int()
    .min(1),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  stream: z.boolean().optional(),
  service_tier: z.string().optional(),
});

/** @see https://docs.anthropic.com/en/api/messages-count-tokens */
export const messagesCountTokensRequestSchema = z.looseObject(promptShape);

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type MessagesCountTokensRequest = z.infer<typeof messagesCountTokensRequestSchema>;
export type MessagesMessage = z.infer<typeof messagesMessageSchema>;
export type MessagesContentBlock = z.infer<typeof messagesContentBlockSchema>;
export type MessagesTextBlock = z.infer<typeof messagesTextBlockSchema>;
export type MessagesImageBlock = z.infer<typeof messagesImageBlockSchema>;
export type MessagesDocumentBlock = z.infer<typeof messagesDocumentBlockSchema>;
export type MessagesToolResultBlock = z.infer<typeof messagesToolResultBlockSchema>;
export type MessagesTool = z.infer<typeof messagesToolSchema>;
export type MessagesToolChoice = z.infer<typeof messagesToolChoiceSchema>;
export type MessagesThinking = z.infer<typeof messagesThinkingSchema>;
