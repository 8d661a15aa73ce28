import { embeddingInputs, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { embeddingsResult, embeddingsUsage, invalidEmbeddingsResponse } from '../../openai/embeddings/openai-embeddings-result.ts';
import type { EmbeddingsResult } from '../../provider-client.ts';
import { cohereEmbedResponseSchema } from '../cohere-schemas.ts';

/** Cohere's `embeddings.float` (in input order) as OpenAI-shaped vectors; input tokens from `meta.billed_units`. */
export function convertCohereEmbedResponse(input: { provider: string; body: unknown; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult {
  const parsed = cohereEmbedResponseSchema.safeParse(input.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidEmbeddingsResponse(input.provider, issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid');
  }
  const vectors = parsed.data.embeddings.float;
  const expected = embeddingInputs(input.request).length;
  if (vectors.length !== expected) throw invalidEmbeddingsResponse(input.provider, `${vectors.length} embeddings for ${expected} inputs`);
  return embeddingsResult({ vectors, model: input.upstreamModel, usage: embeddingsUsage(input.request, parsed.data.meta?.billed_units?.input_tokens) });
}
