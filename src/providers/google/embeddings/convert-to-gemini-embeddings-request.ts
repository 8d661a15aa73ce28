import { embeddingInputs } from '../../embeddings-schemas.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { modelName, modelPath, type GeminiRequestSettings } from '../chat/convert-to-gemini-request.ts';
import { geminiInvalidRequest } from '../gemini-request-error.ts';
import type { GeminiBatchEmbedContentsRequest, GeminiEmbedContentRequest } from './gemini-embeddings-schemas.ts';

/** `batchEmbedContents` refuses more ("at most 100 requests can be in one batch"). */
export const maxGeminiEmbeddingInputs = 100;

/**
 * Request fields this converter translates. `encoding_format` is the gateway's own: Gemini answers
 * floats, which the gateway encodes at the edge when the client asks for base64.
 */
const translatedFields = new Set(['model', 'input', 'dimensions', 'encoding_format']);

/**
 * OpenAI embeddings request → Gemini (pure): one input is `embedContent`, several are
 * `batchEmbedContents` (at most {@link maxGeminiEmbeddingInputs}); `dimensions` becomes
 * `outputDimensionality`. Token arrays cannot be sent (Gemini embeds content, not token ids) and fail
 * the request; `user` and other fields Gemini has no place for are dropped with a warning each. Auth,
 * headers and the model path are chat's.
 * @see https://ai.google.dev/api/embeddings#method:-models.embedcontent
 * @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
export function convertToGeminiEmbeddingsRequest(input: BuildEmbeddingsRequestInput<GeminiRequestSettings>): WireRequest {
  const { request, upstreamModel, config } = input;
  const inputs = embeddingInputs(request);
  const texts = inputs.map((item) => {
    if (typeof item !== 'string') throw geminiInvalidRequest('Gemini embeddings take text; token arrays are not supported', 'input');
    return item;
  });
  if (texts.length > maxGeminiEmbeddingInputs) {
    throw geminiInvalidRequest(`Gemini embeds at most ${maxGeminiEmbeddingInputs} inputs in one request; this one has ${texts.length}`, 'input');
  }
  const warnings: string[] = [];
  for (const [field, value] of Object.entries(request)) {
    if (!translatedFields.has(field) && value !== null && value !== undefined) warnings.push(`${field}: not supported by Gemini; dropped`);
  }
  const dimensions = request.dimensions ?? undefined;
  const embedRequest = (text: string, model?: string): GeminiEmbedContentRequest => ({
    ...(model === undefined ? {} : { model }),
    content: { parts: [{ text }] },
    ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }),
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...config.headers };
  if (config.apiKey) headers['x-goog-api-key'] = config.apiKey;
  const [single] = texts;
  const call =
    texts.length === 1 && single !== undefined
      ? { method: ':embedContent', body: embedRequest(single) }
      : { method: ':batchEmbedContents', body: { requests: texts.map((text) => embedRequest(text, modelName(upstreamModel))) } satisfies GeminiBatchEmbedContentsRequest };
  return { path: `/${modelPath(upstreamModel)}${call.method}`, headers, body: call.body, ...(warnings.length > 0 ? { warnings } : {}) };
}
