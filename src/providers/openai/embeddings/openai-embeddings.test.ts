import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddingsRequestSchema, embeddingsResponseSchema, type EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { openaiWireFormat } from '../index.ts';
import { convertOpenAIEmbeddingsResponse } from './convert-openai-embeddings-response.ts';
import { convertToOpenAIEmbeddingsRequest } from './convert-to-openai-embeddings-request.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

/** The answer as OpenAI's API reference shows it (vector shortened), in `__fixtures__/`. */
function fixture(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../__fixtures__/embeddings.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}

function request(body: Record<string, unknown>): EmbeddingsRequest {
  return embeddingsRequestSchema.parse({ model: 'text-embedding-3-small', ...body });
}

function parse(body: unknown, embeddingsRequest: EmbeddingsRequest = request({ input: 'The food was delicious and the waiter...' })) {
  return convertOpenAIEmbeddingsResponse({ provider: 'openai', body, request: embeddingsRequest, upstreamModel: 'text-embedding-ada-002' });
}

describe('openaiWireFormat.embeddings', () => {
  it('is the OpenAI embeddings converters', () => {
    expect(openaiWireFormat.embeddings).toEqual({ buildRequest: convertToOpenAIEmbeddingsRequest, parseResponse: convertOpenAIEmbeddingsResponse });
  });
});

describe('convertToOpenAIEmbeddingsRequest', () => {
  const wire = convertToOpenAIEmbeddingsRequest({
    request: request({ input: ['a', 'b'], dimensions: 256, encoding_format: 'base64', user: 'u-1', vendor_extension: { x: 1 } }),
    upstreamModel: 'text-embedding-3-large',
    config: { apiKey: 'sk-secret', headers: { 'OpenAI-Project': 'proj_1' } },
    requestId: 'req_1',
  });

  it('posts to /embeddings with JSON, Bearer auth, extra headers and the request id', () => {
    expect(wire.path).toBe('/embeddings');
    expect(wire.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-client-request-id': 'req_1',
      'OpenAI-Project': 'proj_1',
      authorization: 'Bearer sk-secret',
    });
  });

  it('sends the client body with the upstream model, unknown fields kept, and floats asked for whatever the client asked', () => {
    expect(wire.body).toEqual({
      model: 'text-embedding-3-large',
      input: ['a', 'b'],
      dimensions: 256,
      user: 'u-1',
      vendor_extension: { x: 1 },
      encoding_format: 'float',
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('asks for floats when the client named no format', () => {
    const plain = convertToOpenAIEmbeddingsRequest({ request: request({ input: [1, 2, 3] }), upstreamModel: 'm', config: { headers: {} }, requestId: 'r' });
    expect(plain.body).toEqual({ model: 'm', input: [1, 2, 3], encoding_format: 'float' });
    expect(Object.keys(plain.headers)).not.toContain('authorization');
  });
});

describe('convertOpenAIEmbeddingsResponse', () => {
  it('reads the reference answer: floats, the provider’s model, reported usage', () => {
    const result = parse(fixture());
    expect(result.vectors).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.0023064255, -0.009327292, -0.0028842222] }],
      model: 'text-embedding-ada-002',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
    expect(result.usage).toEqual({ promptTokens: 8, completionTokens: 0, totalTokens: 8 });
    expect(embeddingsResponseSchema.safeParse(result.vectors).success).toBe(true);
  });

  it('puts vectors in input order by index', () => {
    const data = [
      { object: 'embedding', index: 2, embedding: [0.3] },
      { object: 'embedding', index: 0, embedding: [0.1] },
      { object: 'embedding', index: 1, embedding: [0.2] },
    ];
    const body = { ...fixture(), data };
    const result = parse(body, request({ input: ['one', 'two', 'three'] }));
    expect(result.vectors.data).toEqual([
      { object: 'embedding', index: 0, embedding: [0.1] },
      { object: 'embedding', index: 1, embedding: [0.2] },
      { object: 'embedding', index: 2, embedding: [0.3] },
    ]);
  });

  it('estimates usage the provider did not report (the tokenizer; token arrays by length), and names the upstream model without one', () => {
    const { usage: _usage, model: _model, ...body } = fixture();
    const result = parse(
      {
        ...body,
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: [0] },
        ],
      },
      request({
        input: [
          [1, 2, 3],
          [4, 5],
        ],
      }),
    );
    expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 0, totalTokens: 5, estimated: true });
    expect(result.vectors.model).toBe('text-embedding-ada-002');
    expect(parse({ data: [{ embedding: [1] }] }, request({ input: 'abcdefghi' })).usage).toEqual({ promptTokens: 2, completionTokens: 0, totalTokens: 2, estimated: true });
  });

  it.each([
    ['not an object', 'nope'],
    ['no data', { object: 'list', model: 'm' }],
    ['base64 where floats were asked for', { data: [{ index: 0, embedding: 'AAAAAA==' }] }],
    ['a vector with a non-number', { data: [{ index: 0, embedding: [0.1, '0.2'] }] }],
    ['fewer vectors than inputs', { data: [] }],
    ['an index out of range', { data: [{ index: 1, embedding: [0.1] }] }],
  ])('fails a malformed answer (%s) as a 502 invalid_provider_response, not retried on the same provider', (_case, body) => {
    const error = thrownBy(() => parse(body));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', status: 502, code: 'invalid_provider_response', retryable: false });
  });

  it('fails an answer repeating an index', () => {
    const body = {
      data: [
        { index: 0, embedding: [0.1] },
        { index: 0, embedding: [0.2] },
      ],
    };
    expect(thrownBy(() => parse(body, request({ input: ['a', 'b'] })))).toMatchObject({ code: 'invalid_provider_response', message: expect.stringContaining('data.1.index') });
  });
});
