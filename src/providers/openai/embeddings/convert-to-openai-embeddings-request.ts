import type { EmbeddingsRequest } from '../../embeddings-schemas.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { openAIRequestHeaders, type OpenAIRequestSettings } from '../chat/convert-to-openai-request.ts';

/**
 * The client's body as sent (unknown fields included, every value untouched), with the route's upstream
 * model and always `encoding_format: "float"`: the gateway encodes base64 itself at the edge when the
 * client asks for it, so every provider answers floats and cached answers serve either format.
 */
export function openAIEmbeddingsBody(request: EmbeddingsRequest, upstreamModel: string): Record<string, unknown> {
  const { encoding_format: _encodingFormat, ...rest } = request;
  return { ...rest, model: upstreamModel, encoding_format: 'float' };
}

/** @see https://platform.openai.com/docs/api-reference/embeddings/create */
export function convertToOpenAIEmbeddingsRequest(input: BuildEmbeddingsRequestInput<OpenAIRequestSettings>): WireRequest {
  return {
    path: '/embeddings',
    headers: openAIRequestHeaders(input.config, input.requestId),
    body: openAIEmbeddingsBody(input.request, input.upstreamModel),
  };
}
