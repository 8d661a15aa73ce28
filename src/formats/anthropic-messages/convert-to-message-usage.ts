import type { ChatCompletion, TokenUsage } from '../../providers/chat-completion-schemas.ts';
import type { MessageUsage } from './message-response-schemas.ts';

/**
 * The gateway's usage → Anthropic's, the inverse of the Anthropic adapter's `convertAnthropicUsage`:
 * there `promptTokens` sums input, cache reads and cache writes, so `input_tokens` is what is left
 * once both cache counts are taken out.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function convertToMessageUsage(usage: TokenUsage): MessageUsage {
  const cacheRead = usage.cachedPromptTokens ?? 0;
  const cacheCreation = usage.cacheCreationTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.promptTokens - cacheRead - cacheCreation),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: cacheRead,
  };
}

/**
 * The gateway's usage read back from a completion's OpenAI `usage`, for a caller that has only the
 * completion: cache reads are in `prompt_tokens_details.cached_tokens`; cache writes are not told
 * apart there, so they count as plain input.
 */
export function tokenUsageOfCompletion(usage: ChatCompletion['usage']): TokenUsage {
  if (!usage) return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  const details = usage['prompt_tokens_details'];
  const cached = typeof details === 'object' && details !== null && 'cached_tokens' in details && typeof details.cached_tokens === 'number' ? details.cached_tokens : 0;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens,
    ...(cached > 0 ? { cachedPromptTokens: cached } : {}),
  };
}
