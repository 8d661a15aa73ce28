import { z } from 'zod';

/**
 * Cohere's v2 wire format, as far as the gateway writes or reads it.
 * @see https://docs.cohere.com/reference/chat
 * @see https://docs.cohere.com/reference/embed
 */

export type CohereContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereContentPart[] }
  | { role: 'assistant'; content?: string; tool_calls?: CohereToolCall[]; tool_plan?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: unknown } }>;
  tool_choice?: 'REQUIRED' | 'NONE';
  response_format?: { type: 'json_object'; json_schema?: unknown };
  max_tokens?: number;
  temperature?: number;
  p?: number;
  k?: number;
  stop_sequences?: string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  stream?: boolean;
}

const tokenCountsSchema = z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() });

export const cohereUsageSchema = z.looseObject({
  billed_units: tokenCountsSchema.optional(),
  tokens: tokenCountsSchema.optional(),
  cached_tokens: z.number().optional(),
});

export type CohereUsage = z.infer<typeof cohereUsageSchema>;

const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string().optional() }),
});

export const cohereChatResponseSchema = z.looseObject({
  id: z.string(),
  finish_reason: z.string(),
  message: z.looseObject({
    role: z.literal('assistant'),
    content: z.array(z.looseObject({ type: z.string(), text: z.string().optional(), thinking: z.string().optional() })).nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
    tool_plan: z.string().nullish(),
  }),
  usage: cohereUsageSchema.optional(),
});

/** A content part of a `content-start` / `content-delta` event. */
export const cohereStreamContentSchema = z.looseObject({ type: z.string().optional(), text: z.string().optional(), thinking: z.string().optional() });

/** The tool call of a `tool-call-start` / `tool-call-delta` event. */
export const cohereStreamToolCallSchema = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});

/**
 * One streamed event's `data` (its `type` repeats the SSE event name). `message.content` and
 * `message.tool_calls` are a part / a call in the content and tool events, and empty lists in
 * `message-start`: read by the schemas above where the event type says which.
 */
export const cohereStreamEventSchema = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  index: z.number().int().optional(),
  delta: z
    .looseObject({
      message: z.looseObject({ content: z.unknown().optional(), tool_calls: z.unknown().optional() }).optional(),
      finish_reason: z.string().optional(),
      usage: cohereUsageSchema.optional(),
    })
    .optional(),
});

export type CohereStreamEvent = z.infer<typeof cohereStreamEventSchema>;

export const cohereErrorBodySchema = z.looseObject({ message: z.string(), id: z.string().optional() });

export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ['float'];
  output_dimension?: number;
}

export const cohereEmbedResponseSchema = z.looseObject({
  id: z.string().optional(),
  embeddings: z.looseObject({ float: z.array(z.array(z.number())) }),
  meta: z.looseObject({ billed_units: z.looseObject({ input_tokens: z.number().optional() }).optional() }).optional(),
});
