import { embeddingInputs } from '../../embeddings-schemas.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { geminiInvalidRequest } from '../../google/gemini-request-error.ts';
import { vertexModelPath } from '../../google-cloud/vertex-endpoint.ts';
import type { VertexRequestSettings } from '../vertex-request-settings.ts';
import type { VertexEmbeddingsRequest } from './vertex-embeddings-schemas.ts';

/**
 * Texts per `:predict` call: `gemini-embedding-001` takes one instance a request; the
 * `text-embedding-*` and `text-multilingual-embedding-*` models take up to 250.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/get-text-embeddings
 */
export function maxVertexEmbeddingInputs(upstreamModel: string): number {
  return /^gemini-embedding/.test(upstreamModel) ? 1 : 250;
}

/** Request fields translated; `encoding_format` is the gateway's own (it encodes base64 at the edge). */
const translatedFields = new Set(['model', 'input', 'dimensions', 'encoding_format']);

/**
 * OpenAI embeddings request → Vertex AI `:predict` (pure): one `{content}` instance per text;
 * `dimensions` becomes `parameters.outputDimensionality`. Token arrays cannot be sent (400); `user` and
 * other fields are dropped with a warning. No task type is sent (the model's default applies).
 */
export function convertToVertexEmbeddingsRequest(input: BuildEmbeddingsRequestInput<VertexRequestSettings>): WireRequest {
  const { request, config, upstreamModel } = input;
  const texts = embeddingInputs(request).map((item) => {
    if (typeof item !== 'string') throw geminiInvalidRequest('Vertex AI embeddings take text; token arrays are not supported', 'input');
    return item;
  });
  const warnings: string[] = [];
  for (const [field, value] of Object.entries(request)) {
    if (!translatedFields.has(field) && value !== null && value !== undefined) warnings.push(`${field}: not supported by Vertex AI embeddings; dropped`);
  }
  const dimensions = request.dimensions ?? undefined;
  const body: VertexEmbeddingsRequest = {
    instances: texts.map((content) => ({ content })),
    ...(dimensions === undefined ? {} : { parameters: { outputDimensionality: dimensions } }),
  };
  return {
    path: `${vertexModelPath(config, 'google', upstreamModel)}:predict`,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...config.headers },
    body,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
