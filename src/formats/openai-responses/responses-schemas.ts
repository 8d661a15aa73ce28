import { z } from 'zod';

/**
 * OpenAI's Responses API on the wire (`POST /v1/responses`): the request, its input items and the
 * Response object. Objects are loose like the gateway's other wire schemas; the request converter
 * reports every field it does not carry as a warning instead of dropping it silently.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */

/** An object whose `type` is none of `known`: the variant the converter refuses by name. */
function otherTypeSchema(known: readonly string[]) {
  return z.looseObject({ type: z.string().refine((type) => !known.includes(type), { message: `type is one of ${known.join(', ')} but the object does not match its shape` }) });
}

const itemStatusSchema = z.enum(['in_progress', 'completed', 'incomplete']);

// Content parts of messages and function call outputs.
export const inputTextPartSchema = z.looseObject({ type: z.literal('input_text'), text: z.string() });
export const inputImagePartSchema = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(['low', 'high', 'auto', 'original']).nullish(),
});
export const outputTextPartSchema = z.looseObject({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()).optional() });
export const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const contentPartSchema = z.union([inputTextPartSchema, inputImagePartSchema, outputTextPartSchema, refusalPartSchema, otherTypeSchema(['input_text', 'input_image', 'output_text', 'refusal'])]);

export type ResponsesContentPart = z.infer<typeof contentPartSchema>;

// Input items: what a request's `input` holds (ids and statuses optional, as clients send them).
export const messageItemSchema = z.looseObject({
  type: z.literal('message').optional(),
  id: z.string().nullish(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPartSchema)]),
  status: itemStatusSchema.nullish(),
});
export const functionCallItemSchema = z.looseObject({
  type: z.literal('function_call'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: itemStatusSchema.nullish(),
});
export const functionCallOutputItemSchema = z.looseObject({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(contentPartSchema)]),
  status: itemStatusSchema.nullish(),
});
const summaryTextSchema = z.looseObject({ type: z.literal('summary_text'), text: z.string() });
export const reasoningItemSchema = z.looseObject({
  type: z.literal('reasoning'),
  id: z.string().nullish(),
  summary: z.array(summaryTextSchema),
  content: z.array(z.looseObject({ type: z.string(), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
  status: itemStatusSchema.nullish(),
});
const inputItemSchema = z.union([
  messageItemSchema,
  functionCallItemSchema,
  functionCallOutputItemSchema,
  reasoningItemSchema,
  otherTypeSchema(['message', 'function_call', 'function_call_output', 'reasoning']),
]);

/** One item of a request's `input`, as the client sent it. */
export type ResponsesInputItemParam = z.infer<typeof inputItemSchema>;
export type ResponsesMessageItem = z.infer<typeof messageItemSchema>;
export type ResponsesFunctionCallItem = z.infer<typeof functionCallItemSchema>;
export type ResponsesFunctionCallOutputItem = z.infer<typeof functionCallOutputItemSchema>;
export type ResponsesReasoningItemParam = z.infer<typeof reasoningItemSchema>;
export type ResponsesInputImagePart = z.infer<typeof inputImagePartSchema>;

// Tools, tool choice and the text format.
export const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
const toolSchema = z.union([functionToolSchema, otherTypeSchema(['function'])]);
export type ResponsesFunctionTool = z.infer<typeof functionToolSchema>;
export type ResponsesTool = z.infer<typeof toolSchema>;

const toolChoiceSchema = z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string(), name: z.string().optional() })]);
export type ResponsesToolChoice = z.infer<typeof toolChoiceSchema>;

export const jsonSchemaFormatSchema = z.looseObject({
  type: z.literal('json_schema'),
  name: z.string().min(1),
  schema: z.record(z.string(), z.unknown()),
  description: z.string().optional(),
  strict: z.boolean().nullish(),
});
const textConfigSchema = z.looseObject({
  format: z.discriminatedUnion('type', [z.looseObject({ type: z.literal('text') }), z.looseObject({ type: z.literal('json_object') }), jsonSchemaFormatSchema]).optional(),
  verbosity: z.enum(['low', 'medium', 'high']).nullish(),
});

const metadataSchema = z.record(z.string().max(64), z.string().max(512)).refine((metadata) => Object.keys(metadata).length <= 16, { message: 'metadata holds at most 16 key-value pairs' });

/** `POST /v1/responses`. */
export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  text: textConfigSchema.nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  metadata: metadataSchema.nullish(),
  reasoning: z.looseObject({ effort: z.string().min(1).nullish(), summary: z.enum(['auto', 'concise', 'detailed']).nullish() }).nullish(),
  /** Whether the gateway keeps the response for `GET /v1/responses/{id}` and `previous_response_id`. @defaultValue true */
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  background: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.string().nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  include: z.array(z.string()).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().optional() }).nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

// The Response object and the items it lists.
const outputTextSchema = z.looseObject({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()) });
export const outputMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  status: itemStatusSchema,
  content: z.array(z.union([outputTextSchema, refusalPartSchema])),
});
export const functionCallSchema = functionCallItemSchema.extend({ id: z.string(), status: itemStatusSchema });
export const reasoningSchema = reasoningItemSchema.extend({ id: z.string() });
export const responseOutputItemSchema = z.union([outputMessageSchema, functionCallSchema, reasoningSchema]);

export type ResponseOutputMessage = z.infer<typeof outputMessageSchema>;
export type ResponseFunctionCall = z.infer<typeof functionCallSchema>;
export type ResponseReasoningItem = z.infer<typeof reasoningSchema>;
export type ResponseOutputItem = z.infer<typeof responseOutputItemSchema>;

/** A user, system or developer message as `GET /v1/responses/{id}/input_items` lists it. */
export const inputMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.enum(['user', 'system', 'developer']),
  content: z.array(contentPartSchema),
  status: itemStatusSchema,
});
export const functionCallOutputSchema = functionCallOutputItemSchema.extend({ id: z.string(), status: itemStatusSchema });

/**
 * An item of a stored conversation, with its id: a request's input as normalized for
 * `GET /v1/responses/{id}/input_items`, or a response's output item.
 */
export const responseItemSchema = z.union([inputMessageSchema, outputMessageSchema, functionCallSchema, functionCallOutputSchema, reasoningSchema]);
export type ResponseItem = z.infer<typeof responseItemSchema>;
/** The input of a request as stored: the same items as {@link ResponseItem}. */
export type ResponseInputItem = ResponseItem;

export const responsesUsageSchema = z.looseObject({
  input_tokens: z.number().int().min(0),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().int().min(0) }),
  output_tokens: z.number().int().min(0),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().int().min(0) }),
  total_tokens: z.number().int().min(0),
  /** The gateway's extension: the cost in USD, as on chat completions. */
  cost: z.number().optional(),
});
export type ResponsesUsage = z.infer<typeof responsesUsageSchema>;

export const responseStatusSchema = z.enum(['completed', 'failed', 'in_progress', 'cancelled', 'queued', 'incomplete']);
export type ResponseStatus = z.infer<typeof responseStatusSchema>;

export const responseObjectSchema = z.looseObject({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number().int(),
  status: responseStatusSchema,
  background: z.boolean(),
  completed_at: z.number().int().nullable(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  incomplete_details: z.looseObject({ reason: z.enum(['max_output_tokens', 'content_filter']) }).nullable(),
  instructions: z.string().nullable(),
  max_output_tokens: z.number().int().nullable(),
  metadata: z.record(z.string(), z.string()),
  model: z.string(),
  output: z.array(responseOutputItemSchema),
  parallel_tool_calls: z.boolean(),
  previous_response_id: z.string().nullable(),
  reasoning: z.looseObject({ effort: z.string().nullable(), summary: z.string().nullable() }),
  store: z.boolean(),
  temperature: z.number().nullable(),
  text: textConfigSchema,
  tool_choice: toolChoiceSchema,
  tools: z.array(functionToolSchema),
  top_p: z.number().nullable(),
  truncation: z.enum(['auto', 'disabled']),
  usage: responsesUsageSchema.nullable(),
  user: z.string().nullable(),
});

/** The Response object. `output_text` is not on the wire: the OpenAI SDKs compute it from `output`. */
export type ResponseObject = z.infer<typeof responseObjectSchema>;
