import { z } from 'zod';

/**
 * The Gemini API's embeddings wire format (v1beta), as far as the gateway writes or reads it. The
 * answers carry no usage.
 * @see https://ai.google.dev/api/embeddings
 */

/** One text to embed; `model` is needed inside `batchEmbedContents` only (the path names it otherwise). */
export interface GeminiEmbedContentRequest {
  model?: string;
  content: { parts: Array<{ text: string }> };
  outputDimensionality?: number;
}

export interface GeminiBatchEmbedContentsRequest {
  requests: GeminiEmbedContentRequest[];
}

const contentEmbeddingSchema = z.looseObject({ values: z.array(z.number()) });

/** `models.embedContent`'s answer. */
export const geminiEmbedContentResponseSchema = z.looseObject({ embedding: contentEmbeddingSchema });

/** `models.batchEmbedContents`' answer: one embedding per request, in request order. */
export const geminiBatchEmbedContentsResponseSchema = z.looseObject({ embeddings: z.array(contentEmbeddingSchema) });
