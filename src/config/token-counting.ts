import type { GatewayConfig } from './gateway-config.ts';

/**
 * Whether this config makes the gateway count tokens on ordinary requests: a tokens-per-minute limit
 * on a provider or a route, or a routing rule on input tokens or the complexity score. Then the
 * vocabulary is loaded in the background once the process serves; otherwise on first use (a long
 * request near a context window, a key's token limit, `count_tokens`), so processes that never count
 * do not pay its ~0.35 s and ~25 MB.
 */
export function configCountsTokens(config: GatewayConfig): boolean {
  if (Object.values(config.providers).some((provider) => 'tpm' in provider && provider.tpm !== undefined)) return true;
  return Object.values(config.models).some(
    (model) =>
      model.routes.some((route) => typeof route === 'object' && 'tpm' in route && route.tpm !== undefined) ||
      (model.rules ?? []).some(
        (rule) =>
          rule.when.inputTokens !== undefined || rule.when.complexity !== undefined || (rule.routes ?? []).some((route) => typeof route === 'object' && 'tpm' in route && route.tpm !== undefined),
      ),
  );
}
