import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';
import { maxBedrockEmbeddingInputs } from './bedrock-embeddings-schemas.ts';
import { convertBedrockEmbeddingsResponse } from './convert-bedrock-embeddings-response.ts';
import { convertToBedrockEmbeddingsRequest } from './convert-to-bedrock-embeddings-request.ts';

/** Bodies in the shape of the Titan and Cohere model-parameter pages' examples, recorded in `__fixtures__/`. */
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as unknown;
}

const build = (request: Partial<EmbeddingsRequest>, upstreamModel: string) =>
  convertToBedrockEmbeddingsRequest({ request: { model: 'e', input: 'hello world', ...request } as EmbeddingsRequest, upstreamModel, config: { headers: {} }, requestId: 'r' });

describe('Bedrock embeddings', () => {
  it('sends Titan V2 one inputText with dimensions to InvokeModel, and reads its vector and token count', () => {
    const wire = build({ dimensions: 256 }, 'amazon.titan-embed-text-v2:0');
    expect(wire).toEqual({
      path: '/model/amazon.titan-embed-text-v2%3A0/invoke',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: { inputText: 'hello world', dimensions: 256, normalize: true },
    });
    const result = convertBedrockEmbeddingsResponse({
      provider: 'aws',
      body: fixture('titan-embedding'),
      request: { model: 'e', input: 'hello world' },
      upstreamModel: 'amazon.titan-embed-text-v2:0',
    });
    expect(result.vectors.data).toEqual([{ object: 'embedding', index: 0, embedding: [0.0234375, -0.0107421875, 0.0625, 0.0205078125] }]);
    expect(result.usage).toEqual({ promptTokens: 7, completionTokens: 0, totalTokens: 7 });
  });

  it('sends Cohere texts as search_document floats, and estimates usage (its body has no count)', () => {
    const request = { model: 'e', input: ['hello world', 'goodbye world'] };
    expect(build(request, 'cohere.embed-english-v3').body).toEqual({ texts: ['hello world', 'goodbye world'], input_type: 'search_document', embedding_types: ['float'] });
    const result = convertBedrockEmbeddingsResponse({ provider: 'aws', body: fixture('cohere-embedding'), request, upstreamModel: 'cohere.embed-english-v3' });
    expect(result.vectors.data.map((item) => item.embedding)).toEqual([
      [0.0161, -0.0339, 0.0252],
      [-0.0089, 0.0411, 0.0127],
    ]);
    expect(result.usage.estimated).toBe(true);
  });

  it('says how many inputs a call takes per model: Titan one, Cohere 96', () => {
    expect(maxBedrockEmbeddingInputs('amazon.titan-embed-text-v2:0')).toBe(1);
    expect(maxBedrockEmbeddingInputs('us.cohere.embed-v4:0')).toBe(96);
    expect(maxBedrockEmbeddingInputs('amazon.nova-pro-v1:0')).toBeUndefined();
  });

  it('drops dimensions a model cannot honour with a warning; refuses other models and token arrays', () => {
    expect(build({ dimensions: 512 }, 'cohere.embed-english-v3').warnings).toEqual(['dimensions is not supported by cohere.embed-english-v3 and was dropped']);
    expect(build({ dimensions: 512 }, 'cohere.embed-v4:0').body).toMatchObject({ output_dimension: 512 });
    expect(thrownBy(() => build({}, 'amazon.nova-pro-v1:0'))).toMatchObject({ status: 400, param: 'model' });
    expect(thrownBy(() => build({ input: [1, 2, 3] }, 'amazon.titan-embed-text-v2:0'))).toMatchObject({ status: 400, param: 'input' });
  });

  it('refuses a body that is not the model’s answer with a 502', () => {
    expect(thrownBy(() => convertBedrockEmbeddingsResponse({ provider: 'aws', body: { nope: 1 }, request: { model: 'e', input: 'x' }, upstreamModel: 'amazon.titan-embed-text-v2:0' }))).toMatchObject({
      status: 502,
    });
  });
});
