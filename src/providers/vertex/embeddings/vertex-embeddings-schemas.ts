import { z } from 'zod';

/**
 * Vertex AI's text embeddings through `:predict`, as far as the gateway writes or reads it.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 */
export interface VertexEmbeddingsRequest {
  instances: Array<{ content: string }>;
  parameters?: { outputDimensionality?: number };
}

export const vertexEmbeddingsResponseSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z.looseObject({ token_count: z.number().nonnegative(), truncated: z.boolean().optional() }).optional(),
      }),
    }),
  ),
});
