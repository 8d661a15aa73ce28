import { encodeVectorBase64, type EmbeddingsRequest, type EmbeddingsResponse, type EmbeddingsVectors } from '../../providers/embeddings-schemas.ts';

/**
 * The answer as the client asked for it: vectors stay floats (what providers are asked for, what
 * records and the cache keep) unless `encoding_format` is `base64`, then each is its little-endian
 * float32 bytes in base64, as OpenAI sends them. `usage.cost` is the gateway's extension field.
 */
export function toEmbeddingsAnswer(vectors: EmbeddingsVectors, request: Pick<EmbeddingsRequest, 'encoding_format'>, cost?: string): EmbeddingsResponse {
  const data = request.encoding_format === 'base64' ? vectors.data.map((item) => ({ ...item, embedding: encodeVectorBase64(item.embedding) })) : vectors.data;
  const usage = cost === undefined ? vectors.usage : { ...vectors.usage, cost: Number(cost) };
  return { ...vectors, data, usage };
}
