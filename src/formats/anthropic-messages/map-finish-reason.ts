import { messageStopReasonSchema, type MessageStopReason } from './message-response-schemas.ts';

const stopReasonByFinishReason: Record<string, MessageStopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/**
 * OpenAI's `finish_reason` → Anthropic's `stop_reason`. When the answer came from Anthropic its own
 * stop reason rides along as `native_finish_reason` and is given back as it was (`stop_sequence`,
 * `pause_turn` … have no OpenAI counterpart). An answer with tool calls stops for `tool_use`, whatever
 * the provider said, since Anthropic clients run tools on that reason. Unknown or missing: `end_turn`.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function mapFinishReason(input: { finishReason: string | null | undefined; nativeFinishReason?: unknown; hasToolCalls: boolean }): MessageStopReason {
  const native = messageStopReasonSchema.safeParse(input.nativeFinishReason);
  const mapped = native.success
    ? native.data
    : input.finishReason && Object.hasOwn(stopReasonByFinishReason, input.finishReason)
      ? (stopReasonByFinishReason[input.finishReason] ?? 'end_turn')
      : 'end_turn';
  return mapped === 'end_turn' && input.hasToolCalls ? 'tool_use' : mapped;
}
