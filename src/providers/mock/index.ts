import { setTimeout as sleep } from 'node:timers/promises';
import type { MockProviderConfig } from '../../config/gateway-config.ts';
import { convertOpenAIUsage } from '../openai/chat/convert-openai-response.ts';
import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import type { ChatCallContext, ChatResult, ProviderClient } from '../provider-client.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { buildMockCompletion } from './chat/mock-completion.ts';
import { buildMockEmbeddings } from './mock-embeddings.ts';
import { splitMockStream } from './chat/mock-stream.ts';

/** The built-in provider: in-process, deterministic, with a configurable latency. */
export function createMockProviderClient(name: string, config: MockProviderConfig): ProviderClient {
  async function chat(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatResult> {
    if (config.latencyMs > 0) await sleep(config.latencyMs, undefined, { signal: context.signal });
    const completion = buildMockCompletion({
      provider: name,
      request,
      upstreamModel: context.upstreamModel,
      requestId: context.requestId,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    return { completion, usage: convertOpenAIUsage(completion.usage) };
  }

  return {
    name,
    type: 'mock',
    embeddings: {
      async embed(request, context) {
        if (config.latencyMs > 0) await sleep(config.latencyMs, undefined, { signal: context.signal });
        return buildMockEmbeddings({ provider: name, request, upstreamModel: context.upstreamModel });
      },
    },
    chat,
    async chatStream(request, context, onChunks) {
      const result = await chat(request, context);
      const { chunks, failAfter } = splitMockStream(result.completion, request);
      for (const [position, chunk] of chunks.entries()) {
        if (position > 0 && config.streamIntervalMs > 0) await sleep(config.streamIntervalMs, undefined, { signal: context.signal });
        context.signal?.throwIfAborted();
        onChunks([chunk]);
        if (failAfter !== undefined && position + 1 >= failAfter) {
          throw new ProviderError({ provider: name, status: 500, code: 'mock_stream_cut', message: 'mock provider broke off the stream as asked' });
        }
      }
      return result;
    },
    close: async () => {},
  };
}
