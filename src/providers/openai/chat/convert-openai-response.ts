import { invalidProviderResponse } from '../../assistant-completion.ts';
import { chatCompletionSchema, type TokenUsage } from '../../chat-completion-schemas.ts';
import type { ChatResult } from '../../provider-client.ts';

export function convertOpenAIResponse(input: { provider: string; body: unknown }): ChatResult {
  const parsed = chatCompletionSchema.safeParse(input.body);
  if (!parsed.success) throw invalidProviderResponse(input.provider, 'chat.completion', parsed.error.issues[0]);
  const completion = parsed.data;
  return { completion, usage: convertOpenAIUsage(completion.usage) };
}

export function convertOpenAIUsage(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details?: unknown } | undefined): TokenUsage {
  if (!usage) return { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true };
  const details = usage.prompt_tokens_details;
  const cached = typeof details === 'object' && details !== null && 'cached_tokens' in details && typeof details.cached_tokens === 'number' ? details.cached_tokens : 0;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens,
    ...(cached > 0 ? { cachedPromptTokens: cached } : {}),
  };
}
