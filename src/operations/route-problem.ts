import type { GatewayConfig } from '../config/gateway-config.ts';
import { providerServesEmbeddings } from '../providers/provider-registry.ts';
import type { CapabilityProblem } from './chat/check-capabilities.ts';
import { describeRoute, type ResolvedRoute } from '../routing/resolve-route.ts';
import type { BoundRequest } from './registry.ts';

const operationWords = { chat: 'chat completions', embeddings: 'embeddings' } as const;

/**
 * Why a route cannot take a request, or undefined: its provider does not serve the operation (an
 * Anthropic route asked for embeddings), or its catalogued model cannot (an embeddings model asked to
 * chat, a chat model asked to embed, images to a model without vision …). One answer for every planner.
 */
export function routeProblemOf(options: { config: GatewayConfig; request: BoundRequest; route: ResolvedRoute }): CapabilityProblem | undefined {
  const { config, request, route } = options;
  const provider = Object.hasOwn(config.providers, route.provider) ? config.providers[route.provider] : undefined;
  if (provider && request.operation === 'embeddings' && !providerServesEmbeddings(provider)) {
    return {
      capability: 'embeddings',
      param: 'model',
      message: `The model '${request.model}' is served by provider '${route.provider}' (${provider.type}), which does not serve ${operationWords[request.operation]}; choose a model routed to a provider that does.`,
    };
  }
  return request.checkModel(describeRoute({ config, provider: route.provider, upstreamModel: route.upstreamModel }).definition);
}
