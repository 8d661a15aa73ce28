import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../embeddings-schemas.ts';
import { vertexBaseUrl, vertexModelPath } from '../google-cloud/vertex-endpoint.ts';
import { vertexAnthropicWireFormat, parseVertexAnthropicError } from '../vertex-anthropic/index.ts';
import { vertexWireFormat } from './index.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as unknown;
const where = { project: 'my-project', location: 'europe-west1', headers: {} };
const chat = (body: Record<string, unknown>) => chatCompletionRequestSchema.parse({ model: 'client-model', messages: [{ role: 'user', content: 'Hi' }], ...body });

describe('Vertex AI endpoints', () => {
  it('a region’s host is {location}-aiplatform.googleapis.com; global’s is aiplatform.googleapis.com', () => {
    expect(vertexBaseUrl('us-central1')).toBe('https://us-central1-aiplatform.googleapis.com');
    expect(vertexBaseUrl('global')).toBe('https://aiplatform.googleapis.com');
  });

  it('encodes the path’s segments but keeps the @ of Claude’s model ids', () => {
    expect(vertexModelPath({ project: 'p', location: 'us-east5' }, 'anthropic', 'claude-opus-4-1@20250805')).toBe(
      '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-1@20250805',
    );
    expect(vertexModelPath({ project: 'p', location: 'l' }, 'google', 'a/b?c')).toBe('/v1/projects/p/locations/l/publishers/google/models/a%2Fb%3Fc');
  });
});

describe('vertexWireFormat (Gemini)', () => {
  it('sends the Gemini API’s body to the publisher model’s path, without an API key header', () => {
    const wire = vertexWireFormat.buildChatRequest({ request: chat({ max_tokens: 20, user: 'u' }), upstreamModel: 'gemini-2.5-pro', config: where, requestId: 'r' });
    expect(wire.path).toBe('/v1/projects/my-project/locations/europe-west1/publishers/google/models/gemini-2.5-pro:generateContent');
    expect(wire.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: { maxOutputTokens: 20 } });
    expect(wire.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
    expect(wire.warnings).toEqual(['user: not supported by Gemini; dropped']);
    const stream = vertexWireFormat.buildStreamRequest({ request: chat({}), upstreamModel: 'gemini-2.5-pro', config: where, requestId: 'r' });
    expect(stream.path).toBe('/v1/projects/my-project/locations/europe-west1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
  });

  it('embeddings: :predict with one instance per text and outputDimensionality; token arrays refused', () => {
    const embeddings = vertexWireFormat.embeddings!;
    const wire = embeddings.buildRequest({
      request: embeddingsRequestSchema.parse({ model: 'm', input: ['a', 'b'], dimensions: 64, user: 'u' }),
      upstreamModel: 'text-embedding-005',
      config: where,
      requestId: 'r',
    });
    expect(wire.path).toBe('/v1/projects/my-project/locations/europe-west1/publishers/google/models/text-embedding-005:predict');
    expect(wire.body).toEqual({ instances: [{ content: 'a' }, { content: 'b' }], parameters: { outputDimensionality: 64 } });
    expect(wire.warnings).toEqual(['user: not supported by Vertex AI embeddings; dropped']);
    const error = thrownBy(() =>
      embeddings.buildRequest({ request: embeddingsRequestSchema.parse({ model: 'm', input: [1, 2] }), upstreamModel: 'text-embedding-005', config: where, requestId: 'r' }),
    );
    expect(error).toMatchObject({ status: 400, param: 'input' });
  });

  it('embeddings: gemini-embedding-001 takes one text a call, the text-embedding models 250', () => {
    const maxInputs = vertexWireFormat.embeddings?.maxInputsPerCall;
    expect(typeof maxInputs === 'function' && [maxInputs('gemini-embedding-001'), maxInputs('text-embedding-005'), maxInputs('text-multilingual-embedding-002')]).toEqual([1, 250, 250]);
  });

  it('embeddings: reads the recorded :predict answer, usage summed from token_count', () => {
    const result = vertexWireFormat.embeddings!.parseResponse({
      provider: 'v',
      body: fixture('predict-text-embedding.json'),
      request: embeddingsRequestSchema.parse({ model: 'm', input: ['What is life?', 'Another text'] }),
      upstreamModel: 'text-embedding-005',
    });
    expect(result.vectors.data.map((item) => item.embedding.length)).toEqual([4, 4]);
    expect(result.usage).toEqual({ promptTokens: 10, completionTokens: 0, totalTokens: 10 });
    const wrongCount = thrownBy(() =>
      vertexWireFormat.embeddings!.parseResponse({
        provider: 'v',
        body: fixture('predict-text-embedding.json'),
        request: embeddingsRequestSchema.parse({ model: 'm', input: 'one' }),
        upstreamModel: 'x',
      }),
    );
    expect(wrongCount).toMatchObject({ status: 502, code: 'invalid_provider_response' });
  });

  it('errors are google.rpc.Status: 401 UNAUTHENTICATED is not retried', () => {
    const error = vertexWireFormat.parseError({ provider: 'v', status: 401, headers: {}, body: fixture('error-401-unauthenticated.json') });
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', retryable: false });
  });
});

describe('vertexAnthropicWireFormat (Claude)', () => {
  const config = { ...where, location: 'us-east5', anthropicVersion: 'vertex-2023-10-16', defaultMaxTokens: 1024 };

  it('moves the model to the path and the version into the body; betas stay a header', () => {
    const wire = vertexAnthropicWireFormat.buildChatRequest({
      request: chat({ temperature: 0.5, anthropic: { betas: ['context-1m-2025-08-07'] } }),
      upstreamModel: 'claude-sonnet-4-5@20250929',
      config,
      requestId: 'r',
    });
    expect(wire.path).toBe('/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict');
    expect(wire.body).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 1024, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], temperature: 0.5 });
    expect(wire.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'anthropic-beta': 'context-1m-2025-08-07' });
    const stream = vertexAnthropicWireFormat.buildStreamRequest({ request: chat({}), upstreamModel: 'claude-sonnet-4-5@20250929', config, requestId: 'r' });
    expect(stream.path.endsWith(':streamRawPredict')).toBe(true);
    expect(stream.body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', stream: true });
    expect(stream.body).not.toHaveProperty('model');
  });

  it('reads Vertex AI’s own errors as google.rpc.Status and Claude’s as Anthropic’s', () => {
    const quota = parseVertexAnthropicError({ provider: 'c', status: 429, headers: {}, body: fixture('error-429-resource-exhausted.json') });
    expect(quota).toMatchObject({ status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true });
    expect(quota.message).toContain('Quota exceeded');
    const overloaded = parseVertexAnthropicError({ provider: 'c', status: 529, headers: {}, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    expect(overloaded).toMatchObject({ status: 529, code: 'overloaded_error', retryable: true });
  });
});
