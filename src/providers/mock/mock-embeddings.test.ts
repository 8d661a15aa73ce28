import { describe, expect, it } from 'vitest';
import { mockProviderSchema } from '../../config/provider-config.ts';
import { embeddingsRequestSchema, embeddingsResponseSchema, type EmbeddingsRequest } from '../embeddings-schemas.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { createMockProviderClient } from './index.ts';
import { buildMockEmbeddings, defaultMockDimensions, maxMockDimensions, mockVector } from './mock-embeddings.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';

function request(body: Record<string, unknown>): EmbeddingsRequest {
  return embeddingsRequestSchema.parse({ model: 'mock-embed', ...body });
}

const embed = (body: Record<string, unknown>, upstreamModel = 'embed') => buildMockEmbeddings({ provider: 'mock', request: request(body), upstreamModel });
const length = (vector: number[]) => Math.hypot(...vector);

describe('buildMockEmbeddings', () => {
  it('answers one unit vector of the default dimensions per input, in OpenAI’s shape', () => {
    const result = embed({ input: ['first', 'second'] });
    expect(embeddingsResponseSchema.safeParse(result.vectors).success).toBe(true);
    expect(result.vectors).toMatchObject({ object: 'list', model: 'embed', usage: { prompt_tokens: 4, total_tokens: 4 } });
    expect(result.vectors.data.map((item) => item.index)).toEqual([0, 1]);
    for (const { embedding } of result.vectors.data) {
      expect(embedding).toHaveLength(defaultMockDimensions);
      expect(length(embedding)).toBeCloseTo(1, 12);
      for (const component of embedding) expect(Math.abs(component)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic per (upstream model, input), whatever the input’s position', () => {
    const once = embed({ input: ['a', 'b'] }).vectors.data;
    const again = embed({ input: ['b', 'a'] }).vectors.data;
    expect(once[0]?.embedding).toEqual(again[1]?.embedding);
    expect(once[1]?.embedding).toEqual(again[0]?.embedding);
    expect(once[0]?.embedding).not.toEqual(once[1]?.embedding);
    expect(embed({ input: 'a' }, 'other-model').vectors.data[0]?.embedding).not.toEqual(once[0]?.embedding);
  });

  it('spreads components over [-1, 1] rather than repeating one value', () => {
    const vector = mockVector('embed', 'hello', 64);
    expect(new Set(vector.map((component) => component.toFixed(6))).size).toBe(64);
    expect(vector.some((component) => component > 0) && vector.some((component) => component < 0)).toBe(true);
  });

  it('honours dimensions, and embeds token arrays apart from the text of their digits', () => {
    const result = embed({ input: [[1, 2, 3], [4]], dimensions: 3 });
    expect(result.vectors.data.map((item) => item.embedding.length)).toEqual([3, 3]);
    expect(embed({ input: '1,2,3', dimensions: 3 }).vectors.data[0]?.embedding).not.toEqual(result.vectors.data[0]?.embedding);
  });

  it("reports usage (not estimated): texts by the gateway's tokenizer, token arrays by their length", () => {
    expect(embed({ input: 'abcdefghi' }).usage).toEqual({ promptTokens: 3, completionTokens: 0, totalTokens: 3 });
    expect(embed({ input: [[1, 2, 3], [4]] }).usage).toEqual({ promptTokens: 4, completionTokens: 0, totalTokens: 4 });
  });

  it('fails with the status an input asks for (mock:error:<status>), as chat does', () => {
    const error = thrownBy(() => embed({ input: ['fine', 'mock:error:503 please'] }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'mock', status: 503, code: 'mock_error', retryable: true });
    expect(thrownBy(() => embed({ input: 'mock:error:400' }))).toMatchObject({ status: 400, retryable: false });
  });

  it(`refuses more than ${maxMockDimensions} dimensions`, () => {
    expect(thrownBy(() => embed({ input: 'x', dimensions: maxMockDimensions + 1 }))).toMatchObject({ status: 400, param: 'dimensions', retryable: false });
  });
});

describe('createMockProviderClient(…).embeddings', () => {
  it('embeds after the configured latency, and stops waiting when aborted', async () => {
    const client = createMockProviderClient('mock', mockProviderSchema.parse({ type: 'mock', latencyMs: 60_000 }));
    const controller = new AbortController();
    const pending = client.embeddings?.embed(request({ input: 'x' }), { upstreamModel: 'embed', requestId: 'r', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow();
    const quick = createMockProviderClient('mock', mockProviderSchema.parse({ type: 'mock' }));
    const result = await quick.embeddings?.embed(request({ input: 'x', dimensions: 4 }), { upstreamModel: 'embed', requestId: 'r' });
    expect(result?.vectors.data[0]?.embedding).toEqual(mockVector('embed', 'x', 4));
  });
});
