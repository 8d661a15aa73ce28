import type { VertexProviderConfig } from '../../config/provider-config.ts';
import { convertGeminiResponse } from '../google/chat/convert-gemini-response.ts';
import { createGeminiStreamTranslator } from '../google/chat/convert-gemini-stream.ts';
import { convertToGeminiRequest, convertToGeminiStreamRequest } from '../google/chat/convert-to-gemini-request.ts';
import { parseGeminiError } from '../google/gemini-error.ts';
import { prepareGoogleCloudProvider } from '../google-cloud/google-cloud-provider.ts';
import { vertexModelPath } from '../google-cloud/vertex-endpoint.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import type { BuildChatRequestInput, HttpWireFormat, ProviderClient, WireRequest } from '../provider-client.ts';
import { convertToVertexEmbeddingsRequest, maxVertexEmbeddingInputs } from './embeddings/convert-to-vertex-embeddings-request.ts';
import { convertVertexEmbeddingsResponse } from './embeddings/convert-vertex-embeddings-response.ts';
import type { VertexRequestSettings } from './vertex-request-settings.ts';

/** The Gemini request, addressed to the publisher model's Vertex AI path instead of the Gemini API's. */
function onVertex(convert: typeof convertToGeminiRequest, method: string) {
  return (input: BuildChatRequestInput<VertexRequestSettings>): WireRequest => {
    const wire = convert({ ...input, config: { headers: input.config.headers } });
    return { ...wire, path: `${vertexModelPath(input.config, 'google', input.upstreamModel)}${method}` };
  };
}

/**
 * Gemini on Vertex AI: the Gemini API's body, answer, stream and errors (google.rpc.Status), at
 * `/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
 * (streamed: `:streamGenerateContent?alt=sse`); embeddings through `:predict`. Auth is an OAuth access
 * token, added per call by the client (see google-access-token.ts).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
export const vertexWireFormat: HttpWireFormat<VertexRequestSettings> = {
  type: 'vertex',
  embeddings: { maxInputsPerCall: maxVertexEmbeddingInputs, buildRequest: convertToVertexEmbeddingsRequest, parseResponse: convertVertexEmbeddingsResponse },
  buildChatRequest: onVertex(convertToGeminiRequest, ':generateContent'),
  parseChatResponse: convertGeminiResponse,
  parseError: parseGeminiError,
  buildStreamRequest: onVertex(convertToGeminiStreamRequest, ':streamGenerateContent?alt=sse'),
  createStreamTranslator: createGeminiStreamTranslator,
};

/** A configured Vertex AI (Gemini) provider; credentials, project and location are checked here, at start. */
export function createVertexProviderClient(name: string, config: VertexProviderConfig): ProviderClient {
  const { where, http } = prepareGoogleCloudProvider(name, config);
  return createHttpProviderClient(vertexWireFormat, http, { ...where, headers: config.headers });
}
