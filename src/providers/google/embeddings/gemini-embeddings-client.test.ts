import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { createHttpProviderClient } from '../../http-provider-client.ts';
import type { ProviderClient } from '../../provider-client.ts';
import { googleWireFormat } from '../index.ts';
import { OpenAIWireServer, type RecordedRequest } from '../../../../test/support/openai-wire-server.ts';

/** Answers `batchEmbedContents` as Gemini does: one `{values}` per request, here `[length of the text]`. */
function batchEmbedAnswer(request: RecordedRequest) {
  const body = request.body as { requests: Array<{ content: { parts: Array<{ text: string }> } }> };
  return { status: 200, body: { embeddings: body.requests.map((item) => ({ values: [Number(item.content.parts[0]?.text.slice(1))] })) } };
}

describe('Gemini embeddings over HTTP: more inputs than one call takes', () => {
  const server = new OpenAIWireServer(batchEmbedAnswer);
  let client: ProviderClient;

  beforeAll(async () => {
    const baseUrl = await server.start();
    client = createHttpProviderClient(googleWireFormat, { name: 'gemini-test', baseUrl, connections: 2, timeoutMs: 5_000 }, { apiKey: 'g-key', headers: {} });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('sends 250 inputs as three batchEmbedContents calls of at most 100, in order, and joins the vectors', async () => {
    const request = embeddingsRequestSchema.parse({ model: 'embed', input: Array.from({ length: 250 }, (_unused, index) => `t${index}`) });
    const result = await client.embeddings?.embed(request, { upstreamModel: 'gemini-embedding-001', requestId: 'req_split' });
    const calls = server.requests.filter((recorded) => recorded.path.endsWith(':batchEmbedContents'));
    expect(calls.map((call) => (call.body as { requests: unknown[] }).requests.length)).toEqual([100, 100, 50]);
    expect(result?.vectors.data.map((item) => item.index)).toEqual(Array.from({ length: 250 }, (_unused, index) => index));
    // Each vector is the one its own input got, whichever call carried it.
    expect(result?.vectors.data.map((item) => item.embedding[0])).toEqual(Array.from({ length: 250 }, (_unused, index) => index));
    // Gemini reports no usage: estimated over every call.
    expect(result?.usage).toMatchObject({ promptTokens: result?.vectors.usage.prompt_tokens, estimated: true });
    // `t0` … `t249`: 2 or 3 tokens each in o200k_base, × 1.1 for Gemini, rounded up per input.
    expect(result?.usage.promptTokens).toBe(750);
  });
});
