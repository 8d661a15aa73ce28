import { z } from 'zod';
import { responseObjectSchema, responseOutputItemSchema } from './responses-schemas.ts';

const sequence = { sequence_number: z.number().int().min(0) };
const inItem = { item_id: z.string(), output_index: z.number().int().min(0) };
const inPart = { ...inItem, content_index: z.number().int().min(0) };
const inSummary = { ...inItem, summary_index: z.number().int().min(0) };
const partSchema = z.union([z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()) }), z.object({ type: z.literal('refusal'), refusal: z.string() })]);

/**
 * One event of a streamed Response, as zod: what the OpenAPI document shows for `text/event-stream` on
 * `POST /v1/responses` (each is also the SSE event name; the encoder writes `ResponseStreamEvent`s).
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export const responseStreamEventSchema = z.union([
  z.object({ type: z.enum(['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed']), response: responseObjectSchema, ...sequence }),
  z.object({ type: z.enum(['response.output_item.added', 'response.output_item.done']), output_index: z.number().int().min(0), item: responseOutputItemSchema, ...sequence }),
  z.object({ type: z.enum(['response.content_part.added', 'response.content_part.done']), ...inPart, part: partSchema, ...sequence }),
  z.object({ type: z.literal('response.output_text.delta'), ...inPart, delta: z.string(), logprobs: z.array(z.unknown()).optional(), ...sequence }),
  z.object({ type: z.literal('response.output_text.done'), ...inPart, text: z.string(), logprobs: z.array(z.unknown()).optional(), ...sequence }),
  z.object({ type: z.literal('response.refusal.delta'), ...inPart, delta: z.string(), ...sequence }),
  z.object({ type: z.literal('response.refusal.done'), ...inPart, refusal: z.string(), ...sequence }),
  z.object({ type: z.literal('response.function_call_arguments.delta'), ...inItem, delta: z.string(), ...sequence }),
  z.object({ type: z.literal('response.function_call_arguments.done'), ...inItem, arguments: z.string(), ...sequence }),
  z.object({
    type: z.enum(['response.reasoning_summary_part.added', 'response.reasoning_summary_part.done']),
    ...inSummary,
    part: z.object({ type: z.literal('summary_text'), text: z.string() }),
    ...sequence,
  }),
  z.object({ type: z.literal('response.reasoning_summary_text.delta'), ...inSummary, delta: z.string(), ...sequence }),
  z.object({ type: z.literal('response.reasoning_summary_text.done'), ...inSummary, text: z.string(), ...sequence }),
  z.object({ type: z.literal('error'), code: z.string().nullable(), message: z.string(), param: z.string().nullable(), ...sequence }),
]);
