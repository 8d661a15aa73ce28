import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { convertOpenAIEmbeddingsResponse } from '../../openai/embeddings/convert-openai-embeddings-response.ts';
import { azureWireFormat } from '../index.ts';
import { convertToAzureEmbeddingsRequest } from './convert-to-azure-embeddings-request.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

/** The answer as Azure OpenAI's REST reference shows it (no `object`, no `model`; vector shortened). */
const fixture = JSON.parse(readFileSync(new URL('../__fixtures__/embeddings.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const request = embeddingsRequestSchema.parse({
  model: 'embed-large',
  input: 'This is a test.',
  dimensions: 512,
  encoding_format: 'base64',
  user: 'u-1',
  input_type: 'query',
});

describe('convertToAzureEmbeddingsRequest', () => {
  const wire = convertToAzureEmbeddingsRequest({
    request,
    upstreamModel: 'text-embedding-3 eu/prod',
    config: { apiKey: 'azure-key', apiVersion: '2024-10-21', headers: { 'x-ms-useragent': 'gateway' } },
    requestId: 'req_1',
  });

  it('posts to the deployment’s embeddings URL (name URL-encoded) with the api-version query, as chat does', () => {
    expect(wire.path).toBe('/openai/deployments/text-embedding-3%20eu%2Fprod/embeddings?api-version=2024-10-21');
  });

  it('sends the key as api-key, never as Authorization', () => {
    expect(wire.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-client-request-id': 'req_1',
      'x-ms-useragent': 'gateway',
      'api-key': 'azure-key',
    });
  });

  it('sends OpenAI’s body without model (the deployment decides) and without encoding_format (floats by default)', () => {
    expect(wire.body).toEqual({ input: 'This is a test.', dimensions: 512, user: 'u-1', input_type: 'query' });
    expect(wire.warnings).toBeUndefined();
  });

  it('sends no api-key header without a key (credentials may come from configured headers)', () => {
    const keyless = convertToAzureEmbeddingsRequest({ request, upstreamModel: 'd', config: { apiVersion: 'preview', headers: { Authorization: 'Bearer entra' } }, requestId: 'r' });
    expect(keyless.headers).not.toHaveProperty('api-key');
    expect(keyless.path).toBe('/openai/deployments/d/embeddings?api-version=preview');
  });
});

describe('azureWireFormat.embeddings', () => {
  it('reads OpenAI’s answer', () => {
    expect(azureWireFormat.embeddings?.buildRequest).toBe(convertToAzureEmbeddingsRequest);
    expect(azureWireFormat.embeddings?.parseResponse).toBe(convertOpenAIEmbeddingsResponse);
  });

  it('reads the reference answer, naming the deployment as the model', () => {
    const result = convertOpenAIEmbeddingsResponse({ provider: 'azure-eu', body: fixture, request, upstreamModel: 'text-embedding-3-large' });
    expect(result.vectors).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [-0.012838088, -0.007421397, -0.017617522, -0.028278312, -0.018666342] }],
      model: 'text-embedding-3-large',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    expect(result.usage).toEqual({ promptTokens: 4, completionTokens: 0, totalTokens: 4 });
  });

  it('fails a malformed answer as a 502 invalid_provider_response', () => {
    const error = thrownBy(() => convertOpenAIEmbeddingsResponse({ provider: 'azure-eu', body: { data: [{ index: 0 }] }, request, upstreamModel: 'd' }));
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'azure-eu', status: 502, code: 'invalid_provider_response', retryable: false });
  });
});
