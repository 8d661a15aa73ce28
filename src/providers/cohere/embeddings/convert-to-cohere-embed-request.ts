import { embeddingInputs } from '../../embeddings-schemas.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { cohereInvalidRequest } from '../cohere-error.ts';
import type { CohereEmbedRequest } from '../cohere-schemas.ts';
import type { CohereRequestSettings } from '../chat/convert-to-cohere-request.ts';

/** Texts per `POST /v2/embed` call, as Cohere documents. */
export const maxCohereEmbedInputs = 96;

export interface CohereEmbedSettings extends CohereRequestSettings {
  /** The `input_type` of every call (`search_document` unless the config says otherwise). */
  embedInputType: string;
}

/** `encoding_format` is the gateway's own: floats are asked for, base64 is encoded at the edge. */
const translatedFields = new Set(['model', 'input', 'dimensions', 'encoding_format']);

/**
 * OpenAI embeddings request → Cohere's `POST /v2/embed` (pure): `texts`, the provider's
 * `input_type`, `embedding_types: ["float"]`, `dimensions` → `output_dimension`. Token arrays fail
 * with a 400; `user` and other fields are dropped with a warning each.
 * @see https://docs.cohere.com/reference/embed
 */
export function convertToCohereEmbedRequest(input: BuildEmbeddingsRequestInput<CohereEmbedSettings>): WireRequest {
  const { request, config } = input;
  const texts = embeddingInputs(request).map((item) => {
    if (typeof item !== 'string') throw cohereInvalidRequest('Cohere embeds text; token arrays are not supported', 'input');
    return item;
  });
  const warnings: string[] = [];
  for (const [field, value] of Object.entries(request)) {
    if (!translatedFields.has(field) && value !== null && value !== undefined) warnings.push(`${field}: not supported by Cohere embed; dropped`);
  }
  const body: CohereEmbedRequest = {
    model: input.upstreamModel,
    texts,
    input_type: config.embedInputType,
    embedding_types: ['float'],
    ...(typeof request.dimensions === 'number' ? { output_dimension: request.dimensions } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...config.headers };
  if (config.apiKey) headers['authorization'] = `Bearer ${config.apiKey}`;
  return { path: '/v2/embed', headers, body, ...(warnings.length > 0 ? { warnings } : {}) };
}
