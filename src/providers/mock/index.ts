import { setTimeout as sleep } from 'node:timers/promises';
import type { MockProviderConfig } from '../../config/gateway-config.ts';
import { convertOpenAIUsage } from '../openai/convert-openai-response.ts';
import type { ProviderClient } from '../provider-client.ts';
import { buildMockCompletion } from './mock-completion.ts';

/** The built-in provider: in-process, deterministic, with a configurable latency. */
export function createMockProviderClient(name: string, config: MockProviderConfig): ProviderClient {
  return {
    name,
    type: 'mock',
    async chat(request, context) {
      if (config.latencyMs > 0) await sleep(config.latencyMs, undefined, { signal: context.signal });
      const completion = buildMockCompletion({
        provider: name,
        request,
        upstreamModel: context.upstreamModel,
        requestId: context.requestId,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      return { completion, usage: convertOpenAIUsage(completion.usage) };
    },
    close: async () => {},
  };
}
