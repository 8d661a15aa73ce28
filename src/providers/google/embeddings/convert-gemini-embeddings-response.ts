import { embeddingInputs, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { embeddingsResult, embeddingsUsage, invalidEmbeddingsResponse } from '../../openai/embeddings/openai-embeddings-result.ts';
import type { EmbeddingsResult } from '../../provider-client.ts';
import { geminiBatchEmbedContentsResponseSchema, geminiEmbedContentResponseSchema } from './gemini-embeddings-schemas.ts';

/**
 * Gemini's `embedContent` (one input) or `batchEmbedContents` (several, answered in request order)
 * as OpenAI-shaped float vectors. Gemini reports no usage: it is estimated.
 * @see https://ai.google.dev/api/embeddings#EmbedContentResponse
 * @see https://ai.google.dev/api/embeddings#response-body_1
 */
export function convertGeminiEmbeddingsResponse(input: { provider: string; body: unknown; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult {
  const expected = embeddingInputs(input.request).length;
  const vectors = expected === 1 ? singleVector(input.provider, input.body) : batchVectors(input.provider, input.body, expected);
  return embeddingsResult({ vectors, model: input.upstreamModel, usage: embeddingsUsage({ input: input.request.input, model: input.upstreamModel }, undefined) });
}

function singleVector(provider: string, body: unknown): number[][] {
  const parsed = geminiEmbedContentResponseSchema.safeParse(body);
  if (!parsed.success) throw invalidEmbeddingsResponse(provider, issueText(parsed.error.issues[0]));
  return [parsed.data.embedding.values];
}

function batchVectors(provider: string, body: unknown, expected: number): number[][] {
  const parsed = geminiBatchEmbedContentsResponseSchema.safeParse(body);
  if (!parsed.success) throw invalidEmbeddingsResponse(provider, issueText(parsed.error.issues[0]));
  const { embeddings } = parsed.data;
  if (embeddings.length !== expected) throw invalidEmbeddingsResponse(provider, `${embeddings.length} embeddings for ${expected} inputs`);
  return embeddings.map((embedding) => embedding.values);
}

function issueText(issue: { path: PropertyKey[]; message: string } | undefined): string {
  return issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid';
}
