import { estimateEmbeddingTokens } from '../../estimate-usage.ts';
import type { EmbeddingsRequest } from '../../embeddings-schemas.ts';
import type { TokenUsage } from '../../chat-completion-schemas.ts';
import type { EmbeddingsResult } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';

/**
 * Input tokens as the provider reported them, or estimated from the request when it reported none
 * (texts by the tokenizer of the model's family, token arrays by their length), flagged `estimated`.
 */
export function embeddingsUsage(request: Pick<EmbeddingsRequest, 'input'> & { model?: string | undefined }, reportedPromptTokens: number | undefined): TokenUsage {
  if (reportedPromptTokens === undefined) {
    const promptTokens = estimateEmbeddingTokens(request);
    return { promptTokens, completionTokens: 0, totalTokens: promptTokens, estimated: true };
  }
  return { promptTokens: reportedPromptTokens, completionTokens: 0, totalTokens: reportedPromptTokens };
}

/** Float vectors, in input order, as the gateway's (OpenAI's) answer: every wire format ends here. */
export function embeddingsResult(input: { vectors: number[][]; model: string; usage: TokenUsage }): EmbeddingsResult {
  return {
    vectors: {
      object: 'list',
      data: input.vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model: input.model,
      usage: { prompt_tokens: input.usage.promptTokens, total_tokens: input.usage.totalTokens },
    },
    usage: input.usage,
  };
}

/**
 * A 2xx body that is not the answer the wire format promises. Not retried on the same provider (it
 * would answer alike), as chat's malformed answers are not; its 502 still lets the route fall back.
 */
export function invalidEmbeddingsResponse(provider: string, detail: string): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    code: 'invalid_provider_response',
    message: `provider returned an unexpected embeddings response: ${detail}`,
    retryable: false,
  });
}
