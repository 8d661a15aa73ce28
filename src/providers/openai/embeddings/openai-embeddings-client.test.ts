import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { createHttpProviderClient } from '../../http-provider-client.ts';
import type { ProviderClient } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { openaiWireFormat } from '../index.ts';
import { OpenAIWireServer, type RecordedRequest } from '../../../../test/support/openai-wire-server.ts';

/** Answers an embeddings request as OpenAI does: one vector per input, listed in reverse to check ordering. */
function embeddingsAnswer(request: RecordedRequest) {
  const body = request.body as { input: string[]; model: string };
  const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: [text.length, index / 10] })).reverse();
  return { status: 200, body: { object: 'list', data, model: body.model, usage: { prompt_tokens: 7, total_tokens: 7 } } };
}

describe('the OpenAI client’s embeddings, over HTTP', () => {
  const server = new OpenAIWireServer(embeddingsAnswer);
  let client: ProviderClient;

  beforeAll(async () => {
    const baseUrl = await server.start();
    client = createHttpProviderClient(openaiWireFormat, { name: 'openai-test', baseUrl, connections: 2, timeoutMs: 5_000 }, { apiKey: 'sk-test', headers: {} });
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('posts to /embeddings and returns the vectors in input order with the reported usage', async () => {
    const request = embeddingsRequestSchema.parse({ model: 'embed-small', input: ['hello', 'wide world'], encoding_format: 'base64' });
    const result = await client.embeddings?.embed(request, { upstreamModel: 'text-embedding-3-small', requestId: 'req_e2e' });
    expect(result?.vectors).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [5, 0] },
        { object: 'embedding', index: 1, embedding: [10, 0.1] },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    expect(result?.usage).toEqual({ promptTokens: 7, completionTokens: 0, totalTokens: 7 });
    const sent = server.requests.at(-1);
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/embeddings', headers: { authorization: 'Bearer sk-test', 'x-client-request-id': 'req_e2e' } });
    expect(sent?.body).toEqual({ model: 'text-embedding-3-small', input: ['hello', 'wide world'], encoding_format: 'float' });
  });

  it('turns a provider error into a ProviderError', async () => {
    server.enqueue({ status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after-ms': '250' } });
    const request = embeddingsRequestSchema.parse({ model: 'embed-small', input: 'hello' });
    const error = await client.embeddings?.embed(request, { upstreamModel: 'text-embedding-3-small', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 250 });
  });
});
