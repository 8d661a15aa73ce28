import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddingsRequestSchema, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { googleWireFormat } from '../index.ts';
import { convertGeminiEmbeddingsResponse } from './convert-gemini-embeddings-response.ts';
import { convertToGeminiEmbeddingsRequest, maxGeminiEmbeddingInputs } from './convert-to-gemini-embeddings-request.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

/** Answers in the shapes of the Gemini API's embeddings reference (vectors shortened), in `__fixtures__/`. */
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as unknown;
}

function request(body: Record<string, unknown>): EmbeddingsRequest {
  return embeddingsRequestSchema.parse({ model: 'embed', ...body });
}

function build(body: Record<string, unknown>, upstreamModel = 'gemini-embedding-001') {
  return convertToGeminiEmbeddingsRequest({ request: request(body), upstreamModel, config: { apiKey: 'g-key', headers: { 'x-goog-user-project': 'p1' } }, requestId: 'req_1' });
}

describe('googleWireFormat.embeddings', () => {
  it('is the Gemini embeddings converters', () => {
    expect(googleWireFormat.embeddings).toEqual({ maxInputsPerCall: 100, buildRequest: convertToGeminiEmbeddingsRequest, parseResponse: convertGeminiEmbeddingsResponse });
  });
});

describe('convertToGeminiEmbeddingsRequest', () => {
  it('sends one input to embedContent, dimensions as outputDimensionality, the key in x-goog-api-key', () => {
    const wire = build({ input: 'What is the meaning of life?', dimensions: 768, encoding_format: 'base64' });
    expect(wire.path).toBe('/models/gemini-embedding-001:embedContent');
    expect(wire.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'x-goog-user-project': 'p1', 'x-goog-api-key': 'g-key' });
    expect(wire.body).toEqual({ content: { parts: [{ text: 'What is the meaning of life?' }] }, outputDimensionality: 768 });
    expect(wire.warnings).toBeUndefined();
  });

  it('sends several inputs to batchEmbedContents, each request naming the model', () => {
    const wire = build({ input: ['first', 'second'], dimensions: 256 });
    expect(wire.path).toBe('/models/gemini-embedding-001:batchEmbedContents');
    expect(wire.body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'first' }] }, outputDimensionality: 256 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'second' }] }, outputDimensionality: 256 },
      ],
    });
  });

  it('keeps a full resource name, encoded in the path and as it is in the body', () => {
    const wire = build({ input: ['a', 'b'] }, 'tunedModels/my embedder');
    expect(wire.path).toBe('/tunedModels/my%20embedder:batchEmbedContents');
    expect(wire.body).toMatchObject({ requests: [{ model: 'tunedModels/my embedder' }, { model: 'tunedModels/my embedder' }] });
  });

  it('drops user and unknown fields with a warning each; a null asks for nothing', () => {
    const wire = build({ input: 'x', user: 'u-1', task_type: 'RETRIEVAL_QUERY', dimensions: null });
    expect(wire.body).toEqual({ content: { parts: [{ text: 'x' }] } });
    expect(wire.warnings).toEqual(['user: not supported by Gemini; dropped', 'task_type: not supported by Gemini; dropped']);
  });

  it('sends no x-goog-api-key without a key', () => {
    const wire = convertToGeminiEmbeddingsRequest({ request: request({ input: 'x' }), upstreamModel: 'm', config: { headers: {} }, requestId: 'r' });
    expect(wire.headers).not.toHaveProperty('x-goog-api-key');
  });

  it.each([[[1, 2, 3]], [[[1, 2], [3]]]])('refuses token arrays (%j) with a 400 that is not retried', (input) => {
    const error = thrownBy(() => build({ input }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', param: 'input', retryable: false, message: 'Gemini embeddings take text; token arrays are not supported' });
  });

  it(`refuses more than ${maxGeminiEmbeddingInputs} inputs (batchEmbedContents' limit) with a 400 before any call`, () => {
    expect(() => build({ input: Array.from({ length: maxGeminiEmbeddingInputs }, (_unused, index) => `t${index}`) })).not.toThrow();
    const error = thrownBy(() => build({ input: Array.from({ length: maxGeminiEmbeddingInputs + 1 }, (_unused, index) => `t${index}`) }));
    expect(error).toMatchObject({ status: 400, param: 'input', retryable: false });
  });
});

describe('convertGeminiEmbeddingsResponse', () => {
  const parse = (body: unknown, embeddingsRequest: EmbeddingsRequest) =>
    convertGeminiEmbeddingsResponse({ provider: 'gemini', body, request: embeddingsRequest, upstreamModel: 'gemini-embedding-001' });

  it('reads embedContent’s answer, with usage estimated (Gemini reports none)', () => {
    const result = parse(fixture('embed-content'), request({ input: 'What is the meaning of life?' }));
    expect(result.vectors).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [-0.0022189026, 0.0063374904, 0.014452476, -0.06758553, 0.011048013] }],
      model: 'gemini-embedding-001',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
    // 7 tokens in o200k_base, × 1.1 for Gemini's family.
    expect(result.usage).toEqual({ promptTokens: 8, completionTokens: 0, totalTokens: 8, estimated: true });
  });

  it('reads batchEmbedContents’ answer in request order', () => {
    const result = parse(fixture('batch-embed-contents'), request({ input: ['one', 'two', 'three'] }));
    expect(result.vectors.data.map((item) => [item.index, item.embedding[0]])).toEqual([
      [0, -0.0022189026],
      [1, 0.0195364],
      [2, -0.009871215],
    ]);
    // One token each, × 1.1 rounded up per input.
    expect(result.usage).toEqual({ promptTokens: 6, completionTokens: 0, totalTokens: 6, estimated: true });
  });

  it.each([
    ['a batch answer to one input', 'batch-embed-contents', ['x']],
    ['a single answer to several inputs', 'embed-content', ['x', 'y']],
    ['fewer vectors than inputs', 'batch-embed-contents', ['a', 'b', 'c', 'd']],
  ])('fails %s as a 502 invalid_provider_response', (_case, name, input) => {
    const error = thrownBy(() => parse(fixture(name), request({ input })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'gemini', status: 502, code: 'invalid_provider_response', retryable: false });
  });

  it('fails values that are not numbers', () => {
    expect(thrownBy(() => parse({ embedding: { values: ['0.1'] } }, request({ input: 'x' })))).toMatchObject({
      code: 'invalid_provider_response',
      message: expect.stringContaining('embedding.values.0'),
    });
  });
});
