import { embeddingInputs, type EmbeddingsRequest } from './embeddings-schemas.ts';
import { messageText, type ChatCompletion, type ChatCompletionRequest, type TokenUsage } from './chat-completion-schemas.ts';

/** About four characters a token (OpenAI's rule of thumb): good enough to bill an unreported call. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Input tokens of a request, estimated before the call (rate limits by tokens per minute). */
export function estimateRequestTokens(request: ChatCompletionRequest): number {
  return request.messages.reduce((sum, message) => sum + 3 + estimateTokens(messageText(message.content)), 3);
}

/**
 * Usage for a response whose provider reported none: counted from the request's and the answer's
 * text, and flagged `estimated` so the usage row says so.
 */
export function estimateUsage(request: ChatCompletionRequest, completion: ChatCompletion): TokenUsage {
  const promptTokens = estimateRequestTokens(request);
  const completionTokens = completion.choices.reduce(
    (sum, choice) => sum + estimateTokens((choice.message.content ?? '') + (choice.message.tool_calls ? JSON.stringify(choice.message.tool_calls) : '')),
    0,
  );
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true };
}

/** Input tokens of an embeddings request: token arrays count exactly, texts by the estimate. */
export function estimateEmbeddingTokens(request: Pick<EmbeddingsRequest, 'input'>): number {
  return embeddingInputs(request).reduce((sum, input) => sum + (typeof input === 'string' ? estimateTokens(input) : input.length), 0);
}
