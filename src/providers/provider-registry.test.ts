import { describe, expect, it } from 'vitest';
import { providerSchema } from '../config/provider-config.ts';
import { createProviderClient, nativeBatchLimits, nativeBatchOperations, providerServesEmbeddings } from './provider-registry.ts';

const provider = (raw: Record<string, unknown>) => providerSchema.parse(raw);

describe('providers’ batch APIs as data', () => {
  it('names the operations each type’s batch API takes, and none for types without one', () => {
    expect(nativeBatchOperations(provider({ type: 'openai' }))).toEqual(['chat', 'embeddings']);
    expect(nativeBatchOperations(provider({ type: 'anthropic' }))).toEqual(['chat']);
    expect(nativeBatchOperations(provider({ type: 'mistral', apiKey: 'k' }))).toEqual(['chat', 'embeddings']);
    expect(nativeBatchOperations(provider({ type: 'groq', apiKey: 'k' }))).toEqual(['chat']);
    expect(nativeBatchOperations(provider({ type: 'ollama' }))).toEqual([]);
    expect(nativeBatchOperations(provider({ type: 'mock' }))).toEqual([]);
    for (const type of ['vertex', 'vertex-anthropic']) expect(nativeBatchOperations(provider({ type, location: 'us-east5' }))).toEqual([]);
    for (const type of ['cohere', 'sambanova', 'nebius', 'novita', 'moonshot', 'dashscope', 'hyperbolic']) expect(nativeBatchOperations(provider({ type }))).toEqual([]);
  });

  it('tells which types serve embeddings (Claude on Vertex AI does not)', () => {
    const serving = ['vertex', 'vertex-anthropic', 'cohere', 'sambanova', 'nebius', 'novita', 'moonshot', 'dashscope', 'hyperbolic'].filter((type) =>
      providerServesEmbeddings(provider({ type, ...(type.startsWith('vertex') ? { location: 'global' } : {}) })),
    );
    expect(serving).toEqual(['vertex', 'cohere', 'nebius', 'novita', 'dashscope']);
  });

  it('takes the documented limits unless the config sets its own', () => {
    expect(nativeBatchLimits(provider({ type: 'openai' }))).toEqual({ maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200_000_000 });
    expect(nativeBatchLimits(provider({ type: 'anthropic', nativeBatch: { enabled: true, maxRequestsPerBatch: 1000 } }))).toEqual({ maxRequestsPerBatch: 1000, maxBytesPerBatch: 256_000_000 });
  });

  it('refuses to make a client with nativeBatch enabled on a type without a batch API, naming the setting', () => {
    expect(() => createProviderClient('local', provider({ type: 'ollama', nativeBatch: { enabled: true } }))).toThrow(/providers\.local\.nativeBatch: providers of type "ollama" have no batch API/);
  });

  it('gives clients of types with a batch API the nativeBatch capability, and closes it with them', async () => {
    const client = createProviderClient('openai', provider({ type: 'openai', apiKey: 'k' }));
    expect(client.nativeBatch?.operations).toEqual(['chat', 'embeddings']);
    expect(createProviderClient('mock', provider({ type: 'mock' })).nativeBatch).toBeUndefined();
    await client.close();
  });
});
