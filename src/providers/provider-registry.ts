import type { GatewayConfig, ProviderConfig } from '../config/gateway-config.ts';
import { createHttpProviderClient } from './http-provider-client.ts';
import { createMockProviderClient } from './mock/index.ts';
import { openaiWireFormat } from './openai/index.ts';
import type { ProviderClient } from './provider-client.ts';

type ClientFactories = {
  [Type in ProviderConfig['type']]: (name: string, config: Extract<ProviderConfig, { type: Type }>) => ProviderClient;
};

/** One entry per provider `type` in the config; new wire formats register here. */
const clientFactories: ClientFactories = {
  openai: (name, config) =>
    createHttpProviderClient(
      openaiWireFormat,
      { name, baseUrl: config.baseUrl, connections: config.concurrency, timeoutMs: config.timeoutMs },
      config,
    ),
  mock: createMockProviderClient,
};

export function createProviderClient(name: string, config: ProviderConfig): ProviderClient {
  const factory = clientFactories[config.type] as (name: string, config: ProviderConfig) => ProviderClient;
  return factory(name, config);
}

export function createProviderClients(config: GatewayConfig): Map<string, ProviderClient> {
  return new Map(Object.entries(config.providers).map(([name, provider]) => [name, createProviderClient(name, provider)]));
}
