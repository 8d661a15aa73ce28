/** An OpenAI `finish_reason`, and Converse's `stopReason` it came from. */
export interface BedrockFinishReason {
  unified: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  raw: string | null;
  /** False for a stop reason this adapter does not know (newer than it): mapped to `stop`. */
  known: boolean;
}

const unifiedByStopReason: Record<string, BedrockFinishReason['unified']> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // The model's output could not be read as an answer or a tool call: nothing was cut off or refused.
  malformed_model_output: 'stop',
  malformed_tool_use: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

/** @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax */
export function mapBedrockStopReason(stopReason: string | null): BedrockFinishReason {
  if (stopReason === null) return { unified: 'stop', raw: null, known: true };
  const unified = Object.hasOwn(unifiedByStopReason, stopReason) ? unifiedByStopReason[stopReason] : undefined;
  return unified ? { unified, raw: stopReason, known: true } : { unified: 'stop', raw: stopReason, known: false };
}
