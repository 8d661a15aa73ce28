import { z } from 'zod';
import { batchStatuses } from '../db/schema/batches.ts';
import type { GatewayErrorCode } from '../errors/gateway-error.ts';
import { chatCompletionSchema, completionUsageSchema } from '../providers/chat-completion-schemas.ts';
import { chatCompletionChunkSchema } from '../providers/chat-stream.ts';

/**
 * Response schemas the OpenAPI document names as components (`#/components/schemas/…`), so a
 * generated client has a type per object: OpenAI's names where the object is OpenAI's. Routes use
 * them in their `schema.response`, so fastify's zod serializer checks the answers against them; the
 * exceptions (chat completions, written without a second pass, and what `documentedAs` marks) are
 * documentation only, and test/openapi-client.test.ts checks them against real answers.
 */

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The gateway error codes this route answers besides those every route of its kind answers (a
     * key's 401, a schema's 400, a body's 413/415, an idempotent route's 409/422, 500 and 503; see
     * `openapi-document.ts`). Documentation only: the OpenAPI document lists them per status.
     */
    errorCodes?: readonly GatewayErrorCode[];
  }
}

const componentsBySchema = new WeakMap<z.ZodType, { id: string; named: z.ZodType }>();

/**
 * The schema, registered under `id` as an OpenAPI component. Memoized, so a route factory may call it
 * each time an app is built (the registry takes an id once per process).
 */
export function component<Schema extends z.ZodType>(schema: Schema, id: string): Schema {
  const known = componentsBySchema.get(schema);
  if (known) {
    if (known.id !== id) throw new Error(`schema already registered as OpenAPI component '${known.id}', not '${id}'`);
    return known.named as Schema;
  }
  const named = schema.meta({ id });
  componentsBySchema.set(schema, { id, named });
  return named;
}

/** What routing a chat request answers before it is queued (route-plan refusals) and tenant admission. */
const chatAdmissionErrorCodes = [
  'stream_not_supported',
  'unsupported_capability',
  'context_length_exceeded',
  'provider_not_routable',
  'model_not_found',
  'rate_limit_exceeded',
  'insufficient_quota',
  'no_route_available',
] as const satisfies readonly GatewayErrorCode[];

/** `POST /v1/chat/completions`: admission, then what the provider call can end in (after retries and fallbacks). */
export const chatCompletionErrorCodes = [
  ...chatAdmissionErrorCodes,
  'provider_invalid_request',
  'provider_model_not_found',
  'provider_request_too_large',
  'provider_rate_limited',
  'provider_error',
  'provider_auth_error',
  'stream_interrupted',
  'request_timeout',
  'provider_timeout',
] as const satisfies readonly GatewayErrorCode[];

/** `POST /v1/embeddings`: admission (no streams), then what the provider call can end in. */
export const embeddingsErrorCodes = chatCompletionErrorCodes.filter(
  (code): code is Exclude<(typeof chatCompletionErrorCodes)[number], 'stream_not_supported' | 'stream_interrupted'> => code !== 'stream_not_supported' && code !== 'stream_interrupted',
);

/** `POST /v1/async/embeddings`: admission and the webhook URL. */
export const asyncEmbeddingsErrorCodes = [
  ...embeddingsErrorCodes.filter((code) => !code.startsWith('provider_') && code !== 'request_timeout'),
  'webhook_url_not_allowed',
] as const satisfies readonly GatewayErrorCode[];

/** `POST /v1/async/chat/completions`: admission and the webhook URL; the call's own failure is the job's `error`. */
export const asyncChatCompletionErrorCodes = [...chatAdmissionErrorCodes, 'webhook_url_not_allowed'] as const satisfies readonly GatewayErrorCode[];

/** OpenAI's error object: the body of every error answer (the error handler writes it). */
export const errorResponseSchema = z
  .object({
    error: z.object({
      message: z.string().describe('What went wrong, for a person to read.'),
      type: z.string().describe("OpenAI's error type, e.g. `invalid_request_error`, `rate_limit_error`, `server_error`."),
      param: z.string().nullable().describe('The request parameter at fault, when there is one.'),
      code: z.string().nullable().describe("A stable machine-readable code (the gateway's, or the provider's own when it passes one through)."),
    }),
  })
  .meta({ id: 'ErrorResponse', description: "An error, in OpenAI's shape." });

/** A non-streamed answer: OpenAI's, plus `usage.cost` (USD, an extension; the exact decimal is in `x-gateway-cost`). */
export const createChatCompletionResponseSchema = chatCompletionSchema
  .extend({
    usage: completionUsageSchema.extend({ cost: z.number().optional().describe('What the call cost in USD (an extension; exact decimal in the `x-gateway-cost` header).') }).optional(),
  })
  .meta({ id: 'CreateChatCompletionResponse', description: 'A chat completion (`object: chat.completion`).' });

/** One `data:` event of a stream, as in OpenAI's spec (which documents the stream by its chunk). */
export const createChatCompletionStreamResponseSchema = chatCompletionChunkSchema.meta({
  id: 'CreateChatCompletionStreamResponse',
  description:
    'One event of a `stream: true` answer. The body is `text/event-stream`: each event is `data: <this object as JSON>`; with `stream_options.include_usage` the last chunk has empty `choices` and the `usage`; the stream ends with `data: [DONE]`, or with one `data: {"error": …}` event (the ErrorResponse shape) when it fails after it started. Lines starting with `:` are comments (keep-alives) to skip.',
});

/** `POST /v1/embeddings`: OpenAI's answer; documentation only (written as the edge encodes it). */
export const createEmbeddingResponseSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]).describe('The vector: floats, or with `encoding_format: base64` its little-endian float32 bytes in base64.'),
      }),
    ),
    model: z.string(),
    usage: z.object({
      prompt_tokens: z.number().int(),
      total_tokens: z.number().int(),
      cost: z.number().optional().describe('What the call cost in USD (an extension; exact decimal in the `x-gateway-cost` header).'),
    }),
  })
  .meta({ id: 'CreateEmbeddingResponse', description: 'Embedding vectors, one per input, in input order.' });

/**
 * A value the code holds as `unknown` (a stored answer, a parsed result line): written as it is,
 * documented as the component `id`.
 */
function documentedAs(id: string, options: { nullable?: boolean; description?: string } = {}) {
  const ref = { $ref: `#/components/schemas/${id}` };
  return z.unknown().meta({ ...(options.nullable ? { anyOf: [ref, { type: 'null' }] } : ref), ...(options.description ? { description: options.description } : {}) });
}

/** Why a line of the input file cannot run; every field optional, as in OpenAI's batch object. */
const batchRequestErrorSchema = z.object({
  code: z.string().optional(),
  message: z.string().optional(),
  param: z.string().nullish(),
  line: z.number().int().nullish(),
});

/** OpenAI's batch object; loose, so a field added to the answer is never dropped by the serializer. */
export const batchSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal('batch'),
    endpoint: z.string(),
    errors: z.object({ object: z.literal('list'), data: z.array(batchRequestErrorSchema) }).nullable(),
    input_file_id: z.string(),
    completion_window: z.string(),
    status: z.enum(batchStatuses),
    output_file_id: z.string().nullable(),
    error_file_id: z.string().nullable(),
    created_at: z.number().int(),
    in_progress_at: z.number().int().nullable(),
    expires_at: z.number().int().nullable(),
    finalizing_at: z.number().int().nullable(),
    completed_at: z.number().int().nullable(),
    failed_at: z.number().int().nullable(),
    expired_at: z.number().int().nullable(),
    cancelling_at: z.number().int().nullable(),
    cancelled_at: z.number().int().nullable(),
    request_counts: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int() }),
    metadata: z.record(z.string(), z.string()).nullable(),
    usage: z.looseObject({
      input_tokens: z.number().int(),
      input_tokens_details: z.looseObject({ cached_tokens: z.number().int() }),
      output_tokens: z.number().int(),
      output_tokens_details: z.looseObject({ reasoning_tokens: z.number().int() }),
      total_tokens: z.number().int(),
    }),
  })
  .meta({ id: 'Batch', description: "A batch (OpenAI's batch object)." });

const listPage = { first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() };

export const listBatchesResponseSchema = z.object({ object: z.literal('list'), data: z.array(batchSchema), ...listPage }).meta({ id: 'ListBatchesResponse' });

/**
 * A line of the output or error file, with its line number and status (an extension to OpenAI's API).
 * Documentation only: the results route writes the lines as the result writer formats them.
 */
export const batchResultSchema = z
  .looseObject({
    id: z.string(),
    custom_id: z.string().nullable(),
    response: z.looseObject({ status_code: z.number().int(), request_id: z.string(), body: z.unknown().describe('The chat completion, or an ErrorResponse.') }).nullable(),
    error: z.looseObject({ code: z.string().nullable(), message: z.string().nullable() }).nullable(),
    line: z.number().int().describe('The line of the input file (1-based).'),
    status: z.string().describe("The request's status: `completed`, `failed`, `expired`, `cancelled`."),
  })
  .meta({ id: 'BatchResult' });

export const listBatchResultsResponseSchema = z.object({ object: z.literal('list'), data: z.array(documentedAs('BatchResult')), ...listPage }).meta({ id: 'ListBatchResultsResponse' });

/** An async job's object (an extension to OpenAI's API): the same shape for every operation. */
function asyncJobSchema<Object extends string>(object: Object, responseId: string, what: string) {
  return z.looseObject({
    id: z.string(),
    object: z.literal(object),
    status: z.enum(['queued', 'in_progress', 'completed', 'failed', 'cancelled']),
    model: z.string(),
    created_at: z.number().int(),
    started_at: z.number().int().nullable(),
    completed_at: z.number().int().nullable(),
    response: documentedAs(responseId, { nullable: true, description: `The ${what}, once \`completed\`.` }),
    error: z
      .looseObject({
        message: z.string(),
        type: z.string(),
        param: z.string().nullable(),
        code: z.string().nullable(),
        status_code: z.number().int().nullable(),
      })
      .nullable()
      .describe('Why it failed, once `failed`: the error a sync call would have answered, and its HTTP status.'),
  });
}

/** `POST /v1/async/chat/completions`. */
export const chatCompletionJobSchema = asyncJobSchema('chat.completion.job', 'CreateChatCompletionResponse', 'chat completion').meta({
  id: 'ChatCompletionJob',
  description: 'An async chat completion job.',
});

/** `POST /v1/async/embeddings`. */
export const embeddingsJobSchema = asyncJobSchema('embeddings.job', 'CreateEmbeddingResponse', 'embeddings').meta({
  id: 'EmbeddingsJob',
  description: 'An async embeddings job.',
});

/** `GET /v1/files/{file_id}/content`: the file's bytes (JSONL), sent as a stream (so `unknown` to the type provider). */
export const fileContentSchema = z.unknown().meta({ type: 'string', format: 'binary', description: 'The file, JSONL: one JSON object per line.' });

export const deleteFileResponseSchema = z.object({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) }).meta({ id: 'DeleteFileResponse' });

/** `GET /metrics`: the Prometheus text exposition format. */
export const metricsTextSchema = z.string().describe('Prometheus text exposition format 0.0.4.');
