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
  anthropic: (name, config) => createHttpProviderClient(anthropicWireFormat, httpSettings(name, config), config),
  mock: createMockProviderClient,
  google: (name, config) => createHttpProviderClient(googleWireFormat, httpSettings(name, config), config),
  azure: createAzureProviderClient,
  ...Object.fromEntries(openAICompatiblePresetNames.map((preset) => [preset, createPresetProviderClient])),
};

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
