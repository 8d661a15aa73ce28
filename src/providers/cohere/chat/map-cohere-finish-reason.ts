/** OpenAI's finish reason for Cohere's, the raw one kept; undefined `unified` for the failures. */
export interface CohereFinish {
  unified: 'stop' | 'length' | 'tool_calls' | undefined;
  raw: string;
}

const unifiedByCohere: Record<string, CohereFinish['unified']> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

/**
 * `COMPLETE` and `STOP_SEQUENCE` → `stop`, `MAX_TOKENS` → `length`, `TOOL_CALL` → `tool_calls`; `ERROR`
 * and `TIMEOUT` (the generation failed) have no OpenAI counterpart: the caller fails the call.
 * @see https://docs.cohere.com/reference/chat#response.body.finish_reason
 */
export function mapCohereFinishReason(raw: string): CohereFinish {
  return { unified: Object.hasOwn(unifiedByCohere, raw) ? unifiedByCohere[raw] : raw === 'ERROR' || raw === 'TIMEOUT' ? undefined : 'stop', raw };
}
