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
  /** True when the provider reported no usage and the gateway estimated it. */
  estimated?: boolean;
}

/** Text of a message's content, parts joined; non-text parts contribute nothing. */
export function messageText(content: ChatMessage['content']): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part['text'] === 'string' ? part['text'] : '')).join('');
}
