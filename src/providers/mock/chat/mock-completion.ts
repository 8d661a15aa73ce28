import { messageText, type ChatCompletion, type ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';

/** Deterministic stand-in token count: about four characters a token, as OpenAI's rule of thumb. */
export function countMockTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const defaultLabels = ['positive', 'negative', 'neutral'];
const errorDirective = /^mock:error:(\d{3})\b/;

/** FNV-1a, 32-bit: a stable hash so the classifier gives the same label for the same text everywhere. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The failure a text asks for: one starting `mock:error:<status>` fails the call with that status
 * (retryable as a provider's would be), so clients and the gateway's failover can exercise error paths.
 */
export function mockFailure(provider: string, text: string): ProviderError | undefined {
  const directive = errorDirective.exec(text);
  if (!directive) return undefined;
  const status = Number(directive[1]);
  return new ProviderError({ provider, status, code: 'mock_error', message: `mock provider failed with HTTP ${status} as asked` });
}

/** Labels come from a system/developer line `labels: a, b, c`; otherwise positive/negative/neutral. */
function classifierLabels(request: ChatCompletionRequest): string[] {
  for (const message of request.messages) {
    if (message.role !== 'system' && message.role !== 'developer') continue;
    const match = /labels?\s*:\s*(.+)/i.exec(messageText(message.content));
    const labels = match?.[1]
      ?.split(/[,|]/)
      .map((label) => label.trim().replace(/^["'[]+|["'\].]+$/g, ''))
      .filter((label) => label.length > 0);
    if (labels && labels.length > 0) return labels;
  }
  return defaultLabels;
}

/**
 * The mock provider's reply. Upstream models: `echo` (the last user message back) and `classifier`
 * (a label picked by hash). A last user message starting `mock:error:<status>` fails with that status,
 * so clients can exercise error paths without a real provider.
 */
export function buildMockCompletion(input: { provider: string; request: ChatCompletionRequest; upstreamModel: string; requestId: string; nowSeconds: number }): ChatCompletion {
  const { request } = input;
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
  const userText = lastUser ? messageText(lastUser.content) : '';
  const failure = mockFailure(input.provider, userText);
  if (failure) throw failure;

  let content = input.upstreamModel === 'classifier' ? pickLabel(classifierLabels(request), userText) : userText;
  let finishReason = 'stop';
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (limit !== undefined && limit !== null && countMockTokens(content) > limit) {
    content = content.slice(0, limit * 4);
    finishReason = 'length';
  }
  const promptTokens = request.messages.reduce((sum, message) => sum + 3 + countMockTokens(messageText(message.content)), 3);
  const completionTokens = countMockTokens(content);
  const choices = Array.from({ length: request.n ?? 1 }, (_unused, index) => ({
    index,
    message: { role: 'assistant' as const, content, refusal: null },
    logprobs: null,
    finish_reason: finishReason,
  }));
  return {
    id: `chatcmpl-mock-${input.requestId}`,
    object: 'chat.completion',
    created: input.nowSeconds,
    model: input.upstreamModel,
    choices,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens * choices.length,
      total_tokens: promptTokens + completionTokens * choices.length,
    },
    system_fingerprint: 'mock',
  };
}

function pickLabel(labels: string[], text: string): string {
  return labels[fnv1a(text) % labels.length] ?? 'neutral';
}
