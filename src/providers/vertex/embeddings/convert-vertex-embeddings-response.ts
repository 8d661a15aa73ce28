import { embeddingInputs, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { embeddingsResult, embeddingsUsage, invalidEmbeddingsResponse } from '../../openai/embeddings/openai-embeddings-result.ts';
import type { EmbeddingsResult } from '../../provider-client.ts';
import { vertexEmbeddingsResponseSchema } from './vertex-embeddings-schemas.ts';

/**
 * Vertex AI's `predictions` (one per instance, in order) as OpenAI-shaped float vectors; input tokens
 * are the sum of each prediction's `statistics.token_count` (estimated where a prediction has none).
 */
export function convertVertexEmbeddingsResponse(input: { provider: string; body: unknown; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult {
  const parsed = vertexEmbeddingsResponseSchema.safeParse(input.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidEmbeddingsResponse(input.provider, issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid');
  }
  const { predictions } = parsed.data;
  const expected = embeddingInputs(input.request).length;
  if (predictions.length !== expected) throw invalidEmbeddingsResponse(input.provider, `${predictions.length} predictions for ${expected} inputs`);
  const counts = predictions.map((prediction) => prediction.embeddings.statistics?.token_count);
  const reported = counts.every((count) => count !== undefined) ? counts.reduce<number>((sum, count) => sum + (count ?? 0), 0) : undefined;
  return embeddingsResult({
    vectors: predictions.map((prediction) => prediction.embeddings.values),
    model: input.upstreamModel,
    usage: embeddingsUsage(input.request, reported),
  });
}
