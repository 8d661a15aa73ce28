import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';
import type { ResponsesUsage } from './responses-schemas.ts';

export interface ResponsesUsageOptions {
  /** Reasoning tokens among the output tokens, when the provider reported them. @defaultValue 0 */
  reasoningTokens?: number | undefined;
  /** USD, exact decimal: the gateway's `usage.cost` extension, as on chat completions. */
  cost?: string | undefined;
}

/**
 * The gateway's token counts in the Responses API's terms: `input_tokens` (cached ones included, as
 * `prompt_tokens`), `output_tokens` (reasoning included), and their details.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function convertResponsesUsage(usage: TokenUsage, options: ResponsesUsageOptions = {}): ResponsesUsage {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedPromptTokens ?? 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: options.reasoningTokens ?? 0 },
    total_tokens: usage.totalTokens,
    ...(options.cost === undefined ? {} : { cost: Number(options.cost) }),
  };
}

/** `completion_tokens_details.reasoning_tokens` of a chat usage object, when present. */
export function reasoningTokensOf(usage: unknown): number | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const details: unknown = (usage as Record<string, unknown>)['completion_tokens_details'];
  if (typeof details !== 'object' || details === null) return undefined;
  const tokens: unknown = (details as Record<string, unknown>)['reasoning_tokens'];
  return typeof tokens === 'number' ? tokens : undefined;
}
