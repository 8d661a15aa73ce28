import { ConfigurationError } from '../../errors/configuration-error.ts';
import type { AzureProviderConfig } from '../../config/provider-config.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import type { HttpWireFormat, ProviderClient } from '../provider-client.ts';
import { convertAzureResponse } from './chat/convert-azure-response.ts';
import { createAzureStreamTranslator } from './chat/convert-azure-stream.ts';
import { convertToAzureRequest, convertToAzureStreamRequest, type AzureRequestSettings } from './chat/convert-to-azure-request.ts';
import { parseAzureError } from './azure-error.ts';
import { convertToAzureEmbeddingsRequest } from './embeddings/convert-to-azure-embeddings-request.ts';
import { convertOpenAIEmbeddingsResponse } from '../openai/embeddings/convert-openai-embeddings-response.ts';

/**
 * Azure OpenAI's Chat Completions (deployment URLs, `api-key` auth, content filter results and errors)
 * and Embeddings (the deployment's `embeddings` URL; OpenAI's answer).
 */
export const azureWireFormat: HttpWireFormat<AzureRequestSettings> = {
  type: 'azure',
  embeddings: { buildRequest: convertToAzureEmbeddingsRequest, parseResponse: convertOpenAIEmbeddingsResponse },
  buildChatRequest: convertToAzureRequest,
  parseChatResponse: convertAzureResponse,
  parseError: parseAzureError,
  buildStreamRequest: convertToAzureStreamRequest,
  createStreamTranslator: createAzureStreamTranslator,
};

/**
 * A configured Azure OpenAI resource. Without `apiKey` the worker refuses to start, unless `headers`
 * carry the credentials themselves (`api-key`, or `Authorization: Bearer <Entra ID token>`).
 */
export function createAzureProviderClient(name: string, config: AzureProviderConfig): ProviderClient {
  const headerNames = Object.keys(config.headers).map((header) => header.toLowerCase());
  if (!config.apiKey && !headerNames.includes('api-key') && !headerNames.includes('authorization')) {
    throw new ConfigurationError(`providers.${name}.apiKey: Azure OpenAI needs an API key (or an api-key / Authorization header in headers)`);
  }
  return createHttpProviderClient(azureWireFormat, { name, baseUrl: config.baseUrl, connections: config.concurrency, timeoutMs: config.timeoutMs }, config);
}
