import { z } from 'zod';
import { messageSchema, messageStopReasonSchema, messageUsageSchema } from './message-response-schemas.ts';

const index = z.number().int().min(0);

/**
 * One event of a streamed Message, as zod: what the OpenAPI document shows for `text/event-stream` on
 * `POST /v1/messages` (the encoder writes the `MessageStreamEvent` type these describe).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export const messageStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_start'), message: messageSchema }),
  z.object({
    type: z.literal('content_block_start'),
    index,
    content_block: z.discriminatedUnion('type', [
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
      z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) }),
    ]),
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index,
    delta: z.discriminatedUnion('type', [
      z.object({ type: z.literal('text_delta'), text: z.string() }),
      z.object({ type: z.literal('thinking_delta'), thinking: z.string() }),
      z.object({ type: z.literal('signature_delta'), signature: z.string() }),
      z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }),
    ]),
  }),
  z.object({ type: z.literal('content_block_stop'), index }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: messageStopReasonSchema, stop_sequence: z.string().nullable() }),
    usage: messageUsageSchema.extend({ cost: z.number().optional().describe('USD (a gateway extension)') }),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) }),
]);
