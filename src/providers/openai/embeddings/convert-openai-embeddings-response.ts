import { embeddingInputs, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import type { EmbeddingsResult } from '../../provider-client.ts';
import { embeddingsResult, embeddingsUsage, invalidEmbeddingsResponse } from './openai-embeddings-result.ts';
import { openAIEmbeddingsResponseSchema } from './openai-embeddings-schemas.ts';

/**
 * OpenAI's embeddings answer (and every OpenAI-wire server's) as float vectors in input order: sorted
 * by `index`, one per input, or the answer is malformed. No `usage` → estimated.
 * @see https://platform.openai.com/docs/api-reference/embeddings/object
 */
export function convertOpenAIEmbeddingsResponse(input: { provider: string; body: unknown; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult {
  const parsed = openAIEmbeddingsResponseSchema.safeParse(input.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidEmbeddingsResponse(input.provider, issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid');
  }
  const { data, model, usage } = parsed.data;
  const expected = embeddingInputs(input.request).length;
  if (data.length !== expected) throw invalidEmbeddingsResponse(input.provider, `${data.length} embeddings for ${expected} inputs`);
  const vectors: Array<number[] | undefined> = new Array<number[] | undefined>(expected);
  for (const [position, item] of data.entries()) {
    const index = item.index ?? position;
    if (index >= expected || vectors[index] !== undefined) throw invalidEmbeddingsResponse(input.provider, `data.${position}.index: ${index} is out of range or repeated`);
    vectors[index] = item.embedding;
  }
  // As many distinct indexes in range as inputs: every slot is filled.
  return embeddingsResult({
    vectors: vectors as number[][],
    model: model ?? input.upstreamModel,
    usage: embeddingsUsage(input.request, usage?.prompt_tokens),
  });
}
