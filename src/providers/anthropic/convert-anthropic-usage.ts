import type { TokenUsage } from '../chat-completion-schemas.ts';
import type { AnthropicUsage } from './anthropic-wire-schemas.ts';

/**
 * Anthropic counts cache reads and cache writes apart from `input_tokens`; OpenAI's `prompt_tokens`
 * (and the gateway's `promptTokens`) count every input token, so the three are summed. Writes to
 * the 1-hour cache (`cache_creation.ephemeral_1h_input_tokens`) are kept apart: they cost more.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function convertAnthropicUsage(usage: AnthropicUsage | undefined): TokenUsage {
  if (!usage) return { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true };
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheCreation = usage.cache_creation_input_tokens ?? 0;
  const cacheCreation1h = Math.min(usage.cache_creation?.ephemeral_1h_input_tokens ?? 0, cacheCreation);
  const promptTokens = usage.input_tokens + cacheRead + cacheCreation;
  return {
    promptTokens,
    completionTokens: usage.output_tokens,
    totalTokens: promptTokens + usage.output_tokens,
    ...(cacheRead > 0 ? { cachedPromptTokens: cacheRead } : {}),
    ...(cacheCreation > 0 ? { cacheCreationTokens: cacheCreation } : {}),
    ...(cacheCreation1h > 0 ? { cacheCreation1hTokens: cacheCreation1h } : {}),
  };
}
