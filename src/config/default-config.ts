import { parseGatewayConfig, type GatewayConfig } from './gateway-config.ts';

/**
 * Served when `GATEWAY_CONFIG` is unset: a `mock` provider, so `npm start` works with no keys.
 * `mock-echo` replies with the last user message; `mock-classifier` picks a label deterministically.
 */
export function defaultGatewayConfig(): GatewayConfig {
  return parseGatewayConfig({
    providers: {
      mock: { type: 'mock', latencyMs: 0, concurrency: 256 },
    },
    models: {
      'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
      'mock-classifier': { routes: [{ provider: 'mock', model: 'classifier' }] },
    },
  });
}
