import { z } from 'zod';

/**
 * The gateway's canonical request and response: OpenAI's Chat Completions format.
 * Objects are loose: fields we do not model are passed through to the provider untouched.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
const contentPartSchema = z.looseObject({ type: z.string().min(1) });
const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const userContentSchema = z.union([z.string(), z.array(contentPartSchema)]);
const systemContentSchema = z.union([z.string(), z.array(textPartSchema)]);

const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});

/**
 * Claude's thinking as Anthropic signs it, one block each, so that it can go back to Anthropic verbatim
 * on the next turn (LiteLLM's `thinking_blocks`): a `thinking` block with its text and `signature`, or
 * a `redacted_thinking` block with its encrypted `data`. Only the Anthropic adapter sends them.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
 */
export const thinkingBlockSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() }),
]);

export type ThinkingBlock = z.infer<typeof thinkingBlockSchema>;

/**
 * `thinking_blocks` as an assistant message, an answer's message and a chunk's delta hold it. A block of
 * another shape (another proxy's, e.g. one without its signature) passes untouched rather than failing
 * the request or the answer: readers take the blocks with {@link signedThinkingBlocks}.
 */
export const thinkingBlocksSchema = z.array(z.union([thinkingBlockSchema, z.looseObject({ type: z.string() })])).nullish();

/**
 * The blocks of a `thinking_blocks` value, each with only its own fields, when every one is a signed
 * thinking or a redacted_thinking block; undefined when there are none or any is not (its text alone
 * cannot be vouched for).
 */
export function signedThinkingBlocks(value: unknown): ThinkingBlock[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const blocks = value.map(thinkingBlockOf);
  return blocks.every((block) => block !== undefined) ? blocks : undefined;
}

/** A signed thinking or a redacted_thinking block with only its own fields (what a signature covers); else undefined. */
export function thinkingBlockOf(value: unknown): ThinkingBlock | undefined {
  const parsed = thinkingBlockSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const block = parsed.data;
  return block.type === 'thinking' ? { type: 'thinking', thinking: block.thinking, signature: block.signature } : { type: 'redacted_thinking', data: block.data };
}

/**
 * The Anthropic-only settings of a Messages API request, under the internal request's `anthropic` key:
 * the Anthropic adapter sends them, every other adapter leaves the key out with a warning a field. Not
 * a field of {@link chatCompletionRequestSchema}: the key is the gateway's own, not part of OpenAI's API.
 */
export const anthropicOnlySettingsSchema = z.looseObject({
  top_k: z.number().int().min(0).optional(),
  thinking: z.unknown().optional(),
  /** True when prompt-caching breakpoints ride on content parts or tools, for other adapters to take out. */
  cache_control: z.literal(true).optional(),
  /** The client's `anthropic-beta` header, a beta a value. @see https://docs.anthropic.com/en/api/beta-headers */
  betas: z.array(z.string().regex(/^[\w.-]+$/, 'a beta name')).optional(),
});

export type AnthropicOnlySettings = z.infer<typeof anthropicOnlySettingsSchema>;

export const chatMessageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: systemContentSchema, name: z.string().optional() }),
  z.looseObject({ role: z.literal('developer'), content: systemContentSchema, name: z.string().optional() }),
  z.looseObject({ role: z.literal('user'), content: userContentSchema, name: z.string().optional() }),
  z.looseObject({
    role: z.literal('assistant'),
    content: userContentSchema.nullish(),
    name: z.string().optional(),
    refusal: z.string().nullish(),
    tool_calls: z.array(toolCallSchema).optional(),
    thinking_blocks: thinkingBlocksSchema,
  }),
  z.looseObject({ role: z.literal('tool'), content: userContentSchema, tool_call_id: z.string() }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  seed: z.number().int().nullish(),
  user: z.string().optional(),
  tools: z
    .array(
      z.looseObject({
        type: z.string(),
        function: z.looseObject({ name: z.string().min(1) }).optional(),
      }),
    )
    .optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionUsageSchema = z.looseObject({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});

export const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      message: z.looseObject({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        refusal: z.string().nullish(),
        // Mistral answers `"tool_calls": null` where there are none; read as absent.
        tool_calls: z.preprocess((value) => (value === null ? undefined : value), z.array(toolCallSchema).optional()),
        thinking_blocks: thinkingBlocksSchema,
      }),
      finish_reason: z.string().nullable(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: completionUsageSchema.optional(),
  system_fingerprint: z.string().nullish(),
});

export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/** Token counts in the gateway's own terms, whatever the provider called them. */
export interface TokenUsage {
  /** All input tokens, cached ones included (as OpenAI counts `prompt_tokens`). */
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Input tokens served from the provider's prompt cache (priced as cached input). */
  cachedPromptTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic bills these apart). */
  cacheCreationTokens?: number;
  /** Of `cacheCreationTokens`, those written to Anthropic's 1-hour cache (billed above the 5-minute rate). */
  cacheCreation1hTokens?: number;
  /** True when the provider reported no usage and the gateway estimated it. */
  estimated?: boolean;
}

/** Text of a message's content, parts joined; non-text parts contribute nothing. */
export function messageText(content: ChatMessage['content']): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part['text'] === 'string' ? part['text'] : '')).join('');
}
