import { builtInConfig } from './built-in-config.ts';
import { parseGatewayConfig, type GatewayConfig } from './gateway-config.ts';

/**
 * Served when `GATEWAY_CONFIG` is unset: a `mock` provider, so `npm start` works with no keys.
 * `mock-echo` replies with the last user message; `mock-classifier` picks a label deterministically;
 * `mock-embed` answers embeddings with deterministic vectors.
 */
export function defaultGatewayConfig(): GatewayConfig {
  return parseGatewayConfig(builtInConfig);
}
