/** An OpenAI `finish_reason`, and Anthropic's `stop_reason` it came from. */
export interface AnthropicFinishReason {
  unified: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  raw: string | null;
  /** False for a stop reason this adapter does not know (newer than it): mapped to `stop`. */
  known: boolean;
}

const unifiedByStopReason: Record<string, AnthropicFinishReason['unified']> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A server-tool loop paused; the turn is incomplete but nothing was cut off or refused.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** @see https://docs.anthropic.com/en/api/handling-stop-reasons */
export function mapAnthropicStopReason(stopReason: string | null): AnthropicFinishReason {
  if (stopReason === null) return { unified: 'stop', raw: null, known: true };
  const unified = Object.hasOwn(unifiedByStopReason, stopReason) ? unifiedByStopReason[stopReason] : undefined;
  return unified ? { unified, raw: stopReason, known: true } : { unified: 'stop', raw: stopReason, known: false };
}
