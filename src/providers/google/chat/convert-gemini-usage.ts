import type { TokenUsage } from '../../chat-completion-schemas.ts';
import type { GeminiUsageMetadata } from './gemini-schemas.ts';

/** OpenAI's `usage` object, with the details OpenAI itself sends. */
export type OpenAIUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
};

/**
 * Gemini `usageMetadata` → the gateway's {@link TokenUsage} and OpenAI's `usage`. Thinking tokens are
 * billed as output, so they count as completion tokens (and as `reasoning_tokens`, as OpenAI reports
 * them); tokens of server-side tool results count as prompt tokens. Cached tokens are part of
 * `promptTokenCount` already. No metadata at all marks the usage as estimated.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function convertGeminiUsage(metadata: GeminiUsageMetadata | undefined): { usage: TokenUsage; openai: OpenAIUsage | undefined } {
  if (!metadata) return { usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true }, openai: undefined };
  const promptTokens = (metadata.promptTokenCount ?? 0) + (metadata.toolUsePromptTokenCount ?? 0);
  const reasoningTokens = metadata.thoughtsTokenCount ?? 0;
  const completionTokens = (metadata.candidatesTokenCount ?? 0) + reasoningTokens;
  const totalTokens = metadata.totalTokenCount ?? promptTokens + completionTokens;
  const cachedTokens = metadata.cachedContentTokenCount ?? 0;
  return {
    usage: { promptTokens, completionTokens, totalTokens, ...(cachedTokens > 0 ? { cachedPromptTokens: cachedTokens } : {}) },
    openai: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: totalTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens },
      completion_tokens_details: { reasoning_tokens: reasoningTokens },
    },
  };
}
