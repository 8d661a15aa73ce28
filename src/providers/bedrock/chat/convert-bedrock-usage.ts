import type { TokenUsage } from '../../chat-completion-schemas.ts';
import type { BedrockUsage } from '../bedrock-wire-schemas.ts';

/**
 * Converse counts prompt-cache reads and writes apart from `inputTokens` (its `totalTokens` is the sum
 * of all four); OpenAI's `prompt_tokens` (and the gateway's `promptTokens`) count every input token.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
 */
export function convertBedrockUsage(usage: BedrockUsage | undefined): TokenUsage {
  if (!usage) return { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true };
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const promptTokens = usage.inputTokens + cacheRead + cacheWrite;
  return {
    promptTokens,
    completionTokens: usage.outputTokens,
    totalTokens: promptTokens + usage.outputTokens,
    ...(cacheRead > 0 ? { cachedPromptTokens: cacheRead } : {}),
    ...(cacheWrite > 0 ? { cacheCreationTokens: cacheWrite } : {}),
  };
}
