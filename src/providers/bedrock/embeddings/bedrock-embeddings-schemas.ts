import { z } from 'zod';

/**
 * Bedrock's embedding models through InvokeModel (`POST /model/{modelId}/invoke`), each in its own body.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 */
export interface TitanEmbeddingRequest {
  inputText: string;
  /** Titan Text Embeddings V2 only: 256, 512 or 1024. */
  dimensions?: number;
  normalize?: boolean;
}

export const titanEmbeddingResponseSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().int().min(0).optional(),
});

export interface CohereEmbeddingRequest {
  texts: string[];
  input_type: 'search_document' | 'search_query' | 'classification' | 'clustering';
  embedding_types: ['float'];
  /** Cohere Embed v4 only. */
  output_dimension?: number;
}

/** `embeddings` is the float vectors, or, with `embedding_types`, an object of them by type. */
export const cohereEmbeddingResponseSchema = z.looseObject({
  embeddings: z.union([z.array(z.array(z.number())), z.looseObject({ float: z.array(z.array(z.number())) })]),
});

/** The embedding model families this adapter speaks, told apart by the model id (ids, profiles and ARNs alike). */
export type BedrockEmbeddingFamily = 'titan-v2' | 'titan-v1' | 'cohere-v3' | 'cohere-v4';

export function bedrockEmbeddingFamily(modelId: string): BedrockEmbeddingFamily | undefined {
  if (/amazon\.titan-embed-text-v2/.test(modelId)) return 'titan-v2';
  if (/amazon\.titan-embed-(text-v1|g1-text)/.test(modelId)) return 'titan-v1';
  if (/cohere\.embed-v4/.test(modelId)) return 'cohere-v4';
  if (/cohere\.embed-/.test(modelId)) return 'cohere-v3';
  return undefined;
}

/** Titan embeds one text a call; Cohere takes at most 96. */
export function maxBedrockEmbeddingInputs(modelId: string): number | undefined {
  const family = bedrockEmbeddingFamily(modelId);
  if (family === 'titan-v1' || family === 'titan-v2') return 1;
  if (family === 'cohere-v3' || family === 'cohere-v4') return 96;
  return undefined;
}
