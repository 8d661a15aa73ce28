import type { ChatCompletion, ThinkingBlock, TokenUsage } from './chat-completion-schemas.ts';
import { ProviderError } from '../errors/provider-error.ts';

export type AssistantToolCall = NonNullable<ChatCompletion['choices'][number]['message']['tool_calls']>[number];

/** What a provider's single answer said, gathered block by block by its converter. */
export interface AssistantParts {
  texts: string[];
  toolCalls: AssistantToolCall[];
  /** Reasoning texts, joined paragraphs apart as `message.reasoning_content`. */
  reasoning: string[];
  /** Signed (or redacted) thinking blocks, for the client to send back. */
  thinkingBlocks: ThinkingBlock[];
}

/** Empty parts, for a converter to fill. */
export function emptyAssistantParts(): AssistantParts {
  return { texts: [], toolCalls: [], reasoning: [], thinkingBlocks: [] };
}

/**
 * One assistant answer → OpenAI's `chat.completion` with one choice: the texts joined as `content`
 * (null when there are none), `tool_calls`, `reasoning_content` and `thinking_blocks` when there are
 * any, the provider's own finish reason beside OpenAI's as `native_finish_reason`, and `usage` unless
 * the provider reported none (the gateway's estimate is not passed off as the provider's count).
 */
export function assistantCompletion(input: {
  id: string;
  model: string;
  created: number;
  parts: AssistantParts;
  finish: { unified: ChatCompletion['choices'][number]['finish_reason']; raw: string | null };
  usage: TokenUsage;
}): ChatCompletion {
  const { parts, finish, usage } = input;
  return {
    id: input.id,
    object: 'chat.completion',
    created: input.created,
    model: input.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: parts.texts.length > 0 ? parts.texts.join('') : null,
          refusal: null,
          ...(parts.toolCalls.length > 0 ? { tool_calls: parts.toolCalls } : {}),
          ...(parts.reasoning.length > 0 ? { reasoning_content: parts.reasoning.join('\n\n') } : {}),
          ...(parts.thinkingBlocks.length > 0 ? { thinking_blocks: parts.thinkingBlocks } : {}),
        },
        logprobs: null,
        finish_reason: finish.unified,
        native_finish_reason: finish.raw,
      },
    ],
    ...(usage.estimated
      ? {}
      : {
          usage: {
            prompt_tokens: usage.promptTokens,
            completion_tokens: usage.completionTokens,
            total_tokens: usage.totalTokens,
            prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens ?? 0 },
          },
        }),
  };
}

/**
 * A provider answer that did not parse: a non-retryable 502 naming what was expected (`what`, e.g.
 * "Anthropic message") and the first issue the schema found.
 */
export function invalidProviderResponse(provider: string, what: string, issue: { path: PropertyKey[]; message: string } | undefined): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    code: 'invalid_provider_response',
    message: `provider returned an unexpected ${what}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    retryable: false,
  });
}
