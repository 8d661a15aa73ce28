import { embeddingInputs, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { embeddingsResult, embeddingsUsage, invalidEmbeddingsResponse } from '../../openai/embeddings/openai-embeddings-result.ts';
import type { EmbeddingsResult } from '../../provider-client.ts';
import { bedrockEmbeddingFamily, cohereEmbeddingResponseSchema, titanEmbeddingResponseSchema } from './bedrock-embeddings-schemas.ts';

/**
 * A Titan (`{embedding, inputTextTokenCount}`) or Cohere (`{embeddings}`) answer as OpenAI-shaped float
 * vectors. Titan counts its input tokens; Cohere's body does not, so its usage is estimated.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 */
export function convertBedrockEmbeddingsResponse(input: { provider: string; body: unknown; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult {
  const family = bedrockEmbeddingFamily(input.upstreamModel);
  if (family === 'titan-v1' || family === 'titan-v2') {
    const parsed = titanEmbeddingResponseSchema.safeParse(input.body);
    if (!parsed.success) throw invalidEmbeddingsResponse(input.provider, issueText(parsed.error.issues[0]));
    return embeddingsResult({ vectors: [parsed.data.embedding], model: input.upstreamModel, usage: embeddingsUsage(input.request, parsed.data.inputTextTokenCount) });
  }
  const parsed = cohereEmbeddingResponseSchema.safeParse(input.body);
  if (!parsed.success) throw invalidEmbeddingsResponse(input.provider, issueText(parsed.error.issues[0]));
  const vectors = Array.isArray(parsed.data.embeddings) ? parsed.data.embeddings : parsed.data.embeddings.float;
  const expected = embeddingInputs(input.request).length;
  if (vectors.length !== expected) throw invalidEmbeddingsResponse(input.provider, `${vectors.length} embeddings for ${expected} inputs`);
  return embeddingsResult({ vectors, model: input.upstreamModel, usage: embeddingsUsage(input.request, undefined) });
}

function issueText(issue: { path: PropertyKey[]; message: string } | undefined): string {
  return issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid';
}
