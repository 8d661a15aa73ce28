import type { EmbeddingsRequest } from './embeddings-schemas.ts';
import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from './chat-completion-schemas.ts';
import { countChatCompletionTokens, countChatRequestTokens, countEmbeddingTokens } from '../tokens/count-request-tokens.ts';
import { tokenCountingFor } from '../tokens/token-families.ts';

/**
 * Usage for a response whose provider reported none: the request's and the answer's tokens counted
 * with the tokenizer of the model's family (the request's `model` is the upstream model here), and
 * flagged `estimated` so the usage row says so.
 */
export function estimateUsage(request: ChatCompletionRequest, completion: ChatCompletion): TokenUsage {
  const counting = tokenCountingFor(request.model);
  const promptTokens = countChatRequestTokens(request, counting);
  const completionTokens = countChatCompletionTokens(completion, counting);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true };
}

/** Input tokens of an embeddings request for its model: token arrays count exactly, texts by the tokenizer. */
export function estimateEmbeddingTokens(request: Pick<EmbeddingsRequest, 'input'> & { model?: string | undefined }): number {
  return countEmbeddingTokens(request, tokenCountingFor(request.model));
}
