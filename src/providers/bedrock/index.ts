import type { BedrockProviderConfig } from '../../config/provider-config.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import type { HttpWireFormat, ProviderClient } from '../provider-client.ts';
import { parseBedrockError } from './bedrock-error.ts';
import { resolveBedrockConnection } from './bedrock-credentials.ts';
import { convertBedrockResponse } from './chat/convert-bedrock-response.ts';
import { createBedrockStreamTranslator } from './chat/convert-bedrock-stream.ts';
import { convertToBedrockRequest, convertToBedrockStreamRequest, type BedrockRequestSettings } from './chat/convert-to-bedrock-request.ts';
import { awsEventStreamFraming } from './decode-aws-event-stream.ts';
import { createBedrockAuthorizer } from './sign-bedrock-request.ts';
import { convertBedrockEmbeddingsResponse } from './embeddings/convert-bedrock-embeddings-response.ts';
import { convertToBedrockEmbeddingsRequest } from './embeddings/convert-to-bedrock-embeddings-request.ts';
import { maxBedrockEmbeddingInputs } from './embeddings/bedrock-embeddings-schemas.ts';

/**
 * Amazon Bedrock's Converse API (`POST /model/{modelId}/converse`), streamed through
 * `/converse-stream` as an AWS event stream; embeddings through InvokeModel on Titan and Cohere
 * embedding models; every call signed with SigV4 (or a Bedrock API key). No batch API here.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference.html
 */
export const bedrockWireFormat: HttpWireFormat<BedrockRequestSettings> = {
  type: 'bedrock',
  embeddings: { maxInputsPerCall: maxBedrockEmbeddingInputs, buildRequest: convertToBedrockEmbeddingsRequest, parseResponse: convertBedrockEmbeddingsResponse },
  buildChatRequest: convertToBedrockRequest,
  parseChatResponse: convertBedrockResponse,
  parseError: parseBedrockError,
  buildStreamRequest: convertToBedrockStreamRequest,
  createStreamTranslator: createBedrockStreamTranslator,
  streamFraming: awsEventStreamFraming,
};

/**
 * A configured Bedrock provider: its Region's runtime endpoint (or `baseUrl`), its credentials from the
 * config or the standard AWS environment variables. A missing Region or credentials, or an unknown
 * Region, stops the worker at start with a ConfigurationError naming the key.
 */
export function createBedrockProviderClient(name: string, config: BedrockProviderConfig, environment: NodeJS.ProcessEnv = process.env): ProviderClient {
  const connection = resolveBedrockConnection(name, config, environment);
  return createHttpProviderClient(
    bedrockWireFormat,
    {
      name,
      baseUrl: connection.baseUrl,
      connections: config.concurrency,
      timeoutMs: config.timeoutMs,
      authorize: createBedrockAuthorizer(connection.authentication, connection.region),
    },
    { headers: config.headers, defaultMaxTokens: config.defaultMaxTokens },
  );
}
