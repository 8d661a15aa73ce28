import type { GatewayConfig } from '../config/gateway-config.ts';
import type { PresetProviderConfig, ProviderConfig } from '../config/provider-config.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { createHttpProviderClient } from './http-provider-client.ts';
import { createMockProviderClient } from './mock/index.ts';
import { openaiWireFormat } from './openai/index.ts';
import { anthropicWireFormat } from './anthropic/index.ts';
import { azureWireFormat, createAzureProviderClient } from './azure/index.ts';
import { googleWireFormat } from './google/index.ts';
import { cohereWireFormat, createCohereProviderClient } from './cohere/index.ts';
import { createVertexProviderClient, vertexWireFormat } from './vertex/index.ts';
import { createVertexAnthropicProviderClient, vertexAnthropicWireFormat } from './vertex-anthropic/index.ts';
import { bedrockWireFormat, createBedrockProviderClient } from './bedrock/index.ts';
import { createPresetProviderClient, createPresetWireFormat } from './openai-compatible/index.ts';
import { openAICompatiblePresetNames } from './openai-compatible/presets.ts';
import type { ProviderClient } from './provider-client.ts';
import type { NativeBatchCapability, NativeBatchLimits, NativeBatchOperation } from './native-batch/native-batch-capability.ts';
import { openAIBatchApi, type OpenAIShapedBatchApi } from './openai/native-batch/openai-shaped-batch-api.ts';
import { azureBatchApi } from './azure/native-batch/azure-batch-api.ts';
import { presetBatchApis } from './openai-compatible/preset-batch-apis.ts';
import { anthropicBatchDefaultLimits } from './anthropic/native-batch/convert-to-anthropic-batch-requests.ts';
import { geminiBatchDefaultLimits } from './google/native-batch/convert-to-gemini-batch-lines.ts';
import { mistralBatchDefaultLimits, mistralBatchEndpointByOperation } from './mistral/native-batch/mistral-batch-schemas.ts';
import { createOpenAINativeBatch } from './openai/native-batch/openai-native-batch.ts';
import { createAzureNativeBatch } from './azure/native-batch/azure-native-batch.ts';
import { createPresetNativeBatch } from './openai-compatible/preset-native-batch.ts';
import { createMistralNativeBatch } from './mistral/native-batch/mistral-native-batch.ts';
import { createGeminiNativeBatch } from './google/native-batch/gemini-native-batch.ts';
import { createAnthropicNativeBatch } from './anthropic/native-batch/anthropic-native-batch.ts';

type ClientFactory<Type extends ProviderConfig['type']> = (name: string, config: Extract<ProviderConfig, { type: Type }>) => ProviderClient;
type ClientFactories = { [Type in ProviderConfig['type']]?: ClientFactory<Type> };

const httpSettings = (name: string, config: { baseUrl: string; concurrency: number; timeoutMs: number }) => ({
  name,
  baseUrl: config.baseUrl,
  connections: config.concurrency,
  timeoutMs: config.timeoutMs,
});

/** One entry per provider `type` in the config; new wire formats register here. */
const clientFactories: ClientFactories = {
  openai: (name, config) =>
    withNativeBatch(createHttpProviderClient(openaiWireFormat, httpSettings(name, config), config), createOpenAINativeBatch({ name, baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, config })),
  anthropic: (name, config) => withNativeBatch(createHttpProviderClient(anthropicWireFormat, httpSettings(name, config), config), createAnthropicNativeBatch(name, config)),
  mock: createMockProviderClient,
  google: (name, config) => withNativeBatch(createHttpProviderClient(googleWireFormat, httpSettings(name, config), config), createGeminiNativeBatch(name, config)),
  azure: (name, config) => withNativeBatch(createAzureProviderClient(name, config), createAzureNativeBatch(name, config)),
  vertex: createVertexProviderClient,
  'vertex-anthropic': createVertexAnthropicProviderClient,
  cohere: createCohereProviderClient,
  bedrock: (name, config) => createBedrockProviderClient(name, config),
  ...Object.fromEntries(
    openAICompatiblePresetNames.map((preset) => [
      preset,
      (name: string, config: PresetProviderConfig) => withNativeBatch(createPresetProviderClient(name, config), createPresetNativeBatch(name, config)),
    ]),
  ),
  mistral: (name, config) => withNativeBatch(createPresetProviderClient(name, config), createMistralNativeBatch(name, config)),
};

/** A client with its provider's batch API as the `nativeBatch` capability; closing it closes both. */
function withNativeBatch(client: ProviderClient, nativeBatch: NativeBatchCapability | undefined): ProviderClient {
  if (!nativeBatch) return client;
  return {
    ...client,
    nativeBatch,
    chat: client.chat,
    chatStream: client.chatStream,
    close: async () => {
      await Promise.all([client.close(), nativeBatch.close()]);
    },
  };
}

export function createProviderClient(name: string, config: ProviderConfig): ProviderClient {
  const factory = clientFactories[config.type] as ((name: string, config: ProviderConfig) => ProviderClient) | undefined;
  if (!factory) throw new ConfigurationError(`providers.${name}.type: no adapter for "${config.type}" in this build`);
  if (config.nativeBatch?.enabled && !nativeBatchApiOf(config)) {
    throw new ConfigurationError(`providers.${name}.nativeBatch: providers of type "${config.type}" have no batch API; remove nativeBatch or set enabled: false`);
  }
  return factory(name, config);
}

export function createProviderClients(config: GatewayConfig): Map<string, ProviderClient> {
  return new Map(Object.entries(config.providers).map(([name, provider]) => [name, createProviderClient(name, provider)]));
}

/**
 * Whether providers of this config `type` serve embeddings, read from their wire formats (the mock
 * always does): the planner's answer before any client exists (the API process makes none).
 */
export function providerServesEmbeddings(config: ProviderConfig): boolean {
  switch (config.type) {
    case 'mock':
      return true;
    case 'openai':
      return openaiWireFormat.embeddings !== undefined;
    case 'anthropic':
      return anthropicWireFormat.embeddings !== undefined;
    case 'google':
      return googleWireFormat.embeddings !== undefined;
    case 'azure':
      return azureWireFormat.embeddings !== undefined;
    case 'vertex':
      return vertexWireFormat.embeddings !== undefined;
    case 'vertex-anthropic':
      return vertexAnthropicWireFormat.embeddings !== undefined;
    case 'cohere':
      return cohereWireFormat.embeddings !== undefined;
    case 'bedrock':
      return bedrockWireFormat.embeddings !== undefined;
    default:
      return createPresetWireFormat(config.type).embeddings !== undefined;
  }
}

/** A provider type's batch API as data: what it takes and its documented limits per batch. */
interface NativeBatchApiFacts {
  operations: readonly NativeBatchOperation[];
  limits: NativeBatchLimits;
}

const fromShaped = (api: OpenAIShapedBatchApi): NativeBatchApiFacts => ({
  operations: (Object.keys(api.endpoints) as NativeBatchOperation[]).filter((operation) => api.endpoints[operation] !== undefined),
  limits: api.limits,
});

/**
 * Read from the wire formats' own data, so the API process decides where a batch line runs (and the
 * start step how to split it) without making any client. Undefined: the type has no batch API.
 */
function nativeBatchApiOf(config: ProviderConfig): NativeBatchApiFacts | undefined {
  switch (config.type) {
    case 'openai':
      return fromShaped(openAIBatchApi);
    case 'azure':
      return fromShaped(azureBatchApi(config.apiVersion));
    case 'anthropic':
      return { operations: ['chat'], limits: anthropicBatchDefaultLimits };
    case 'google':
      return { operations: ['chat'], limits: geminiBatchDefaultLimits };
    case 'mistral':
      return { operations: Object.keys(mistralBatchEndpointByOperation) as NativeBatchOperation[], limits: mistralBatchDefaultLimits };
    // Bedrock's batch inference reads and writes S3, outside this gateway's reach.
    case 'bedrock':
    // Vertex AI's batch prediction jobs (Cloud Storage / BigQuery in and out) are not used.
    case 'mock':
    case 'vertex':
    case 'vertex-anthropic':
    // Cohere's batch embed jobs take uploaded datasets, not request lines; not used.
    case 'cohere':
      return undefined;
    default: {
      const api = presetBatchApis[config.type];
      return api ? fromShaped(api) : undefined;
    }
  }
}

/** The operations a provider's batch API takes (empty: it has none). */
export function nativeBatchOperations(config: ProviderConfig): readonly NativeBatchOperation[] {
  return nativeBatchApiOf(config)?.operations ?? [];
}

/** A provider's limits per batch: its config's `nativeBatch` where set, else its API's documented ones. */
export function nativeBatchLimits(config: ProviderConfig): NativeBatchLimits {
  const documented = nativeBatchApiOf(config)?.limits ?? openAIBatchApi.limits;
  return {
    maxRequestsPerBatch: config.nativeBatch?.maxRequestsPerBatch ?? documented.maxRequestsPerBatch,
    maxBytesPerBatch: config.nativeBatch?.maxBytesPerBatch ?? documented.maxBytesPerBatch,
  };
}
