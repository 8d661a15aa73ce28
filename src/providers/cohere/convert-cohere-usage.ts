import type { TokenUsage } from '../chat-completion-schemas.ts';
import type { CohereUsage } from './cohere-schemas.ts';

/**
 * Cohere's usage as the gateway counts it: the billed units (what Cohere charges for), else the raw
 * token counts (which include Cohere's own prompt template); estimated where it reported neither.
 */
export function convertCohereUsage(usage: CohereUsage | undefined): TokenUsage {
  const input = usage?.billed_units?.input_tokens ?? usage?.tokens?.input_tokens;
  const output = usage?.billed_units?.output_tokens ?? usage?.tokens?.output_tokens;
  if (input === undefined && output === undefined) return { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true };
  const promptTokens = Math.round(input ?? 0);
  const completionTokens = Math.round(output ?? 0);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
