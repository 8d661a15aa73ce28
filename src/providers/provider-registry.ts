import type { GatewayConfig } from '../config/gateway-config.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { createHttpProviderClient } from './http-provider-client.ts';
import { createMockProviderClient } from './mock/index.ts';
import { openaiWireFormat } from './openai/index.ts';
import { anthropicWireFormat } from './anthropic/index.ts';
import { azureWireFormat, createAzureProviderClient } from './azure/index.ts';
import { googleWireFormat } from './google/index.ts';
import { createPresetProviderClient, createPresetWireFormat } from './openai-compatible/index.ts';
import { openAICompatiblePresetNames } from './openai-compatible/presets.ts';
import type { ProviderClient } from './provider-client.ts';
import type { NativeBatchCapability, NativeBatchOperation } from './native-batch/native-batch-capability.ts';
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
  openai: (name, config) => createHttpProviderClient(openaiWireFormat, httpSettings(name, config), config),
  anthropic: (name, config) => withNativeBatch(createHttpProviderClient(anthropicWireFormat, httpSettings(name, config), config), createAnthropicNativeBatch(name, config)),
  mock: createMockProviderClient,
  google: (name, config) => withNativeBatch(createHttpProviderClient(googleWireFormat, httpSettings(name, config), config), createGeminiNativeBatch(name, config)),
  azure: createAzureProviderClient,
  ...Object.fromEntries(openAICompatiblePresetNames.map((preset) => [preset, createPresetProviderClient])),
  mistral: (name, config) => withNativeBatch(createPresetProviderClient(name, config), createMistralNativeBatch(name, config)),
};

/** A client with its provider's batch API as the `nativeBatch` capability; closing it closes both. */
function withNativeBatch(client: ProviderClient, nativeBatch: NativeBatchCapability & { close(): Promise<void> }): ProviderClient {
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
    default:
      return createPresetWireFormat(config.type).embeddings !== undefined;
  }
}

/**
 * The operations a provider type's batch API takes (empty: it has none), as data: the API process
 * decides where a batch line runs without making any client.
 */
const nativeBatchOperationsByType: Partial<Record<ProviderConfig['type'], readonly NativeBatchOperation[]>> = {
  openai: ['chat', 'embeddings'],
  azure: ['chat', 'embeddings'],
  anthropic: ['chat'],
  google: ['chat'],
  mistral: ['chat', 'embeddings'],
  groq: ['chat'],
  together: ['chat'],
};

export function nativeBatchOperations(config: ProviderConfig): readonly NativeBatchOperation[] {
  return nativeBatchOperationsByType[config.type] ?? [];
}

/** Each batch API's documented limits per batch: the defaults of `nativeBatch.maxRequestsPerBatch` / `maxBytesPerBatch`. */
const nativeBatchLimitsByType: Partial<Record<ProviderConfig['type'], { maxRequestsPerBatch: number; maxBytesPerBatch: number }>> = {
  openai: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200 * 1024 * 1024 },
  azure: { maxRequestsPerBatch: 100_000, maxBytesPerBatch: 200 * 1024 * 1024 },
  anthropic: { maxRequestsPerBatch: 100_000, maxBytesPerBatch: 256 * 1024 * 1024 },
  google: { maxRequestsPerBatch: 100_000, maxBytesPerBatch: 2 * 1024 * 1024 * 1024 },
  mistral: { maxRequestsPerBatch: 1_000_000, maxBytesPerBatch: 512 * 1024 * 1024 },
  groq: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200 * 1024 * 1024 },
  together: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: 100 * 1024 * 1024 },
};

/** A provider's limits per batch: its config's `nativeBatch` where set, else its API's documented ones. */
export function nativeBatchLimits(config: ProviderConfig): { maxRequestsPerBatch: number; maxBytesPerBatch: number } {
  const documented = nativeBatchLimitsByType[config.type] ?? { maxRequestsPerBatch: 50_000, maxBytesPerBatch: 100 * 1024 * 1024 };
  return {
    maxRequestsPerBatch: config.nativeBatch?.maxRequestsPerBatch ?? documented.maxRequestsPerBatch,
    maxBytesPerBatch: config.nativeBatch?.maxBytesPerBatch ?? documented.maxBytesPerBatch,
  };
}
