import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GoogleTokenServer } from './support/google-token-server.ts';
import { VertexWireServer } from './support/vertex-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/**
 * The official `openai` SDK → gateway (type: vertex, vertex-anthropic) → a local server speaking Vertex
 * AI's publisher-model endpoints, authorised by access tokens that google-auth-library gets from a
 * local token endpoint (a service-account key whose `token_uri` points there, its JWT checked with the
 * key's public half).
 */
describe('Vertex AI providers end to end', () => {
  const tokens = new GoogleTokenServer();
  /** Issues tokens that expire within the library's five-minute refresh margin: each call needs a new one. */
  const shortTokens = new GoogleTokenServer();
  /** Only here for a private key the token endpoint does not know. */
  const stranger = new GoogleTokenServer();
  const upstream = new VertexWireServer((token) => tokens.isValid(token) || shortTokens.isValid(token));
  const directory = mkdtempSync(join(tmpdir(), 'vertex-test-'));
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const [baseUrl, tokenUrl] = await Promise.all([upstream.start(), tokens.start(), shortTokens.start()]);
    shortTokens.expiresInSeconds = 60;
    const keyFile = join(directory, 'service-account.json');
    writeFileSync(keyFile, JSON.stringify(tokens.serviceAccount()));
    const common = { baseUrl, maxAttempts: 2, retryBaseDelayMs: 10 };
    harness = await startTestGateway({
      config: {
        providers: {
          vertex: { type: 'vertex', location: 'us-central1', credentialsFile: keyFile, ...common },
          'vertex-short': { type: 'vertex', location: 'global', project: 'other-project', credentials: JSON.stringify(shortTokens.serviceAccount()), ...common },
          'vertex-revoked': { type: 'vertex', location: 'us-central1', credentials: stranger.serviceAccount({ token_uri: tokenUrl }), ...common },
          claude: { type: 'vertex-anthropic', location: 'us-east5', credentials: tokens.serviceAccount(), ...common },
        },
        models: {
          'gemini-flash': { routes: [{ provider: 'vertex', model: 'gemini-2.5-flash' }] },
          'gemini-short': { routes: [{ provider: 'vertex-short', model: 'gemini-2.5-flash' }] },
          'gemini-revoked': { routes: [{ provider: 'vertex-revoked', model: 'gemini-2.5-flash' }] },
          'text-embedding': { routes: [{ provider: 'vertex', model: 'text-embedding-005' }] },
          'gemini-embedding': { routes: [{ provider: 'vertex', model: 'gemini-embedding-001' }] },
          'claude-sonnet': { routes: [{ provider: 'claude', model: 'claude-sonnet-4-5@20250929' }] },
        },
      },
    });
    const { key } = await harness.createKey('vertex-e2e');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await Promise.all([upstream.stop(), tokens.stop(), shortTokens.stop()]);
    rmSync(directory, { recursive: true, force: true });
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const requestRow = async (requestId: string | null) => (await harness.sql.query('SELECT attempts, status, warnings FROM requests WHERE id = $1', [requestId])).rows[0] as Record<string, unknown>;

  it('Gemini: generateContent on the regional host’s project path, with a Bearer access token from the key file', async () => {
    const data = await client.chat.completions.create({
      model: 'gemini-flash',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello Vertex' },
      ],
      temperature: 0.2,
    });

    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    // The project comes from the key's project_id; the location from the config.
    expect(sent.path).toBe('/v1/projects/test-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(sent.headers.authorization).toMatch(/^Bearer ya29\.test-token-\d+$/);
    expect(sent.headers['x-goog-api-key']).toBeUndefined();
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello Vertex' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.2 },
    });
    expect(data.choices[0]?.message.content).toBe('echo: Hello Vertex');
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5 });
  });

  it('Gemini: streams through streamGenerateContent?alt=sse, with the cached token', async () => {
    const issuedBefore = tokens.issuedCount;
    const stream = await client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'stream please' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: stream please');
    expect(upstream.requests[0]?.path).toBe('/v1/projects/test-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    // An hour-long token is reused, not fetched again.
    expect(tokens.issuedCount).toBe(issuedBefore);
  });

  it('embeddings: text-embedding-005 in one :predict call, usage from token_count; gemini-embedding-001 one text per call', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding', input: ['one two', 'three', 'four five six'], dimensions: 256 });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.path).toBe('/v1/projects/test-project/locations/us-central1/publishers/google/models/text-embedding-005:predict');
    expect(upstream.requests[0]?.body).toEqual({ instances: [{ content: 'one two' }, { content: 'three' }, { content: 'four five six' }], parameters: { outputDimensionality: 256 } });
    expect(response.data.map((item) => item.embedding[0])).toEqual([7, 5, 13]);
    expect(response.usage).toMatchObject({ prompt_tokens: 6, total_tokens: 6 });

    upstream.requests.length = 0;
    const gemini = await client.embeddings.create({ model: 'gemini-embedding', input: ['alpha', 'beta gamma'] });
    expect(upstream.requests.map((request) => request.body)).toEqual([{ instances: [{ content: 'alpha' }] }, { instances: [{ content: 'beta gamma' }] }]);
    expect(gemini.data.map((item) => item.embedding[0])).toEqual([5, 10]);
    expect(gemini.usage.prompt_tokens).toBe(3);
  });

  it('refreshes a token about to expire: the global host, and a new token for each call', async () => {
    await client.chat.completions.create({ model: 'gemini-short', messages: [{ role: 'user', content: 'first' }] });
    await client.chat.completions.create({ model: 'gemini-short', messages: [{ role: 'user', content: 'second' }] });
    expect(upstream.requests.map((request) => request.path)).toEqual([
      '/v1/projects/other-project/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
      '/v1/projects/other-project/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
    ]);
    const [first, second] = upstream.requests.map((request) => request.headers.authorization);
    expect(first).not.toBe(second);
    expect(shortTokens.issuedCount).toBe(2);
  });

  it('a key the token endpoint refuses (invalid_grant) fails the request as provider_auth_error, not retried, without calling Vertex', async () => {
    const before = tokens.requests;
    const error = await client.chat.completions.create({ model: 'gemini-revoked', messages: [{ role: 'user', content: 'x' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 502, code: 'provider_auth_error' });
    expect(tokens.requests - before).toBe(1);
    expect(upstream.requests).toHaveLength(0);
  });

  it('a token endpoint that fails with 503 is retried (by the library, then by the gateway) and the request completes', async () => {
    shortTokens.failNext(...Array.from({ length: 4 }, () => ({ status: 503, body: { error: 'temporarily_unavailable', error_description: 'try again' } })));
    const { data, response } = await client.chat.completions.create({ model: 'gemini-short', messages: [{ role: 'user', content: 'after the outage' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: after the outage');
    expect(await requestRow(response.headers.get('x-request-id'))).toMatchObject({ attempts: 2, status: 'completed' });
  }, 30_000);

  it('Claude: rawPredict with anthropic_version in the body and no model, answered as a chat.completion', async () => {
    const data = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'Hi Claude' }], max_tokens: 100 });
    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v1/projects/test-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict');
    expect(sent.headers.authorization).toMatch(/^Bearer ya29\.test-token-\d+$/);
    expect(sent.headers['anthropic-version']).toBeUndefined();
    expect(sent.headers['x-api-key']).toBeUndefined();
    expect(sent.body).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi Claude' }] }] });
    expect(data.choices[0]?.message.content).toBe('echo: Hi Claude');
    expect(data.choices[0]?.finish_reason).toBe('stop');
  });

  it('Claude: streams through streamRawPredict', async () => {
    const stream = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'stream Claude' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: stream Claude');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(upstream.requests[0]?.path).toBe('/v1/projects/test-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict');
    expect(upstream.requests[0]?.body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', stream: true });
  });
});
