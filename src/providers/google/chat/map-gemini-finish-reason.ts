/** OpenAI's finish reasons, as the gateway answers them. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface MappedFinishReason {
  unified: OpenAIFinishReason;
  /** Gemini's own value, kept for logs and tests. */
  raw: string | undefined;
}

/** Stopped by a policy filter (safety, recitation, blocklists, PII, unsupported language, Model Armor). */
const filtered = new Set(['SAFETY', 'RECITATION', 'LANGUAGE', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION', 'MODEL_ARMOR']);

/**
 * Gemini `finishReason` → OpenAI `finish_reason`. A candidate that carries function calls finishes
 * with `tool_calls` (Gemini says `STOP`). Failed tool calls (`MALFORMED_FUNCTION_CALL`,
 * `UNEXPECTED_TOOL_CALL`, …) leave no call to run, so they end as `stop`, like `OTHER`, unknown and
 * unspecified reasons.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
export function mapGeminiFinishReason(raw: string | undefined, hasToolCalls: boolean): MappedFinishReason {
  if (raw === 'MAX_TOKENS') return { unified: 'length', raw };
  if (raw !== undefined && filtered.has(raw)) return { unified: 'content_filter', raw };
  return { unified: hasToolCalls ? 'tool_calls' : 'stop', raw };
}
