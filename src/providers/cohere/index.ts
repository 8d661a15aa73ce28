import type { CohereProviderConfig } from '../../config/provider-config.ts';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import type { HttpWireFormat, ProviderClient } from '../provider-client.ts';
import { parseCohereError } from './cohere-error.ts';
import { convertCohereResponse } from './chat/convert-cohere-response.ts';
import { CohereStreamTranslator } from './chat/convert-cohere-stream.ts';
import { convertToCohereRequest, convertToCohereStreamRequest } from './chat/convert-to-cohere-request.ts';
import { convertCohereEmbedResponse } from './embeddings/convert-cohere-embed-response.ts';
import { convertToCohereEmbedRequest, maxCohereEmbedInputs, type CohereEmbedSettings } from './embeddings/convert-to-cohere-embed-request.ts';

/** Cohere's v2 API: `POST /v2/chat` (streamed as server-sent events) and `POST /v2/embed`, Bearer key. */
export const cohereWireFormat: HttpWireFormat<CohereEmbedSettings> = {
  type: 'cohere',
  embeddings: { maxInputsPerCall: maxCohereEmbedInputs, buildRequest: convertToCohereEmbedRequest, parseResponse: convertCohereEmbedResponse },
  buildChatRequest: convertToCohereRequest,
  parseChatResponse: convertCohereResponse,
  parseError: parseCohereError,
  buildStreamRequest: convertToCohereStreamRequest,
  createStreamTranslator: (input) => new CohereStreamTranslator(input),
};

/** A configured Cohere provider; without `apiKey` the worker refuses to start. */
export function createCohereProviderClient(name: string, config: CohereProviderConfig): ProviderClient {
  if (!config.apiKey) throw new ConfigurationError(`providers.${name}.apiKey: Cohere needs an API key (see https://docs.cohere.com/reference/about)`);
  return createHttpProviderClient(cohereWireFormat, { name, baseUrl: config.baseUrl, connections: config.concurrency, timeoutMs: config.timeoutMs }, config);
}
