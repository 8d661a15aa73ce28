import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';
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
