import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIWireServer, echoCompletion } from './support/openai-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

function azureFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../src/providers/azure/__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** An OpenAI-wire server that resets the connection of its first request, then answers normally. */
async function startFlakyServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hits += 1;
      if (hits === 1) {
        request.socket.destroy();
        return;
      }
      const answer = echoCompletion({ method: 'POST', path: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Azure OpenAI and OpenAI-compatible presets end to end, with the official SDK as the client. */
describe('Azure OpenAI and OpenAI-compatible presets through the gateway', () => {
  const azure = new OpenAIWireServer();
  const mistral = new OpenAIWireServer();
  const ollama = new OpenAIWireServer();
  let flaky: Awaited<ReturnType<typeof startFlakyServer>>;
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    // Azure's baseUrl is the resource endpoint: the wire format adds /openai/deployments/….
    const azureEndpoint = (await azure.start()).replace(/\/v1$/, '');
    const [mistralBase, ollamaBase] = await Promise.all([mistral.start(), ollama.start()]);
    flaky = await startFlakyServer();
    harness = await startTestGateway({
      config: {
        providers: {
          'azure-eu': { type: 'azure', baseUrl: azureEndpoint, apiKey: 'azure-secret', maxAttempts: 3, retryBaseDelayMs: 10 },
          mistral: { type: 'mistral', baseUrl: mistralBase, apiKey: 'mistral-secret' },
          local: { type: 'ollama', baseUrl: ollamaBase },
          flaky: { type: 'vllm', baseUrl: flaky.url, maxAttempts: 2, retryBaseDelayMs: 10 },
        },
        models: {
          'gpt-4o': { routes: [{ provider: 'azure-eu', model: 'gpt-4o-prod' }] },
          'mistral-small': { routes: [{ provider: 'mistral', model: 'mistral-small-latest' }] },
          llama: { routes: [{ provider: 'local', model: 'llama3.2' }] },
          qwen: { routes: [{ provider: 'flaky', model: 'Qwen/Qwen2.5-7B-Instruct' }] },
        },
      },
    });
    const { key } = await harness.createKey('presets');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await Promise.all([azure.stop(), mistral.stop(), ollama.stop(), flaky?.close()]);
  });

  beforeEach(() => {
    for (const server of [azure, mistral, ollama]) server.requests.length = 0;
  });

  const warningsOf = async (requestId: string | null) => (await harness.sql.query<{ warnings: unknown }>('SELECT warnings FROM requests WHERE id = $1', [requestId])).rows[0]?.warnings;

  it('Azure: deployment URL with api-version, api-key header, no model in the body; content filter results reach the SDK', async () => {
    azure.enqueue({ status: 200, body: azureFixture('chat-completion-content-filter-results') });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Parrot care?' }], max_completion_tokens: 50, seed: 3 }).withResponse();

    expect(azure.requests).toHaveLength(1);
    const sent = azure.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe('azure-secret');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['x-client-request-id']).toBe(response.headers.get('x-request-id'));
    expect(sent.body).toEqual({ messages: [{ role: 'user', content: 'Parrot care?' }], max_completion_tokens: 50, seed: 3 });

    expect(data.choices[0]?.message.content).toBe('Ahoy matey! Keep yer parrot fed and happy.');
    expect((data as unknown as Record<string, unknown>)['prompt_filter_results']).toEqual(azureFixture('chat-completion-content-filter-results')['prompt_filter_results']);
    expect(await warningsOf(response.headers.get('x-request-id'))).toBeNull();
  });

  it('Azure: a content-filtered prompt is a 400 content_filter, not retried', async () => {
    azure.enqueue({ status: 400, body: azureFixture('error-400-content-filter') });
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'something filtered' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'content_filter', param: 'prompt' });
    expect((error as Error).message).toContain('[content filter: hate (medium)]');
    expect(azure.requests).toHaveLength(1);
  });

  it('Azure: an unknown deployment is a 404 provider_model_not_found', async () => {
    azure.enqueue({ status: 404, body: azureFixture('error-404-deployment-not-found') });
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'provider_model_not_found' });
    expect(azure.requests).toHaveLength(1);
  });

  it('mistral (baseUrl override): Bearer key, fields renamed and dropped, each drop a warning stored with the request', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'mistral-small',
        messages: [{ role: 'user', content: 'Bonjour', name: 'alice' }],
        seed: 42,
        max_completion_tokens: 64,
        logit_bias: { '1234': -100 },
        user: 'user-7',
        temperature: 0.2,
      })
      .withResponse();

    expect(mistral.requests).toHaveLength(1);
    const sent = mistral.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer mistral-secret');
    expect(sent.body).toEqual({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Bonjour' }],
      random_seed: 42,
      max_tokens: 64,
      temperature: 0.2,
    });
    expect(data.choices[0]?.message.content).toBe('echo: Bonjour');
    expect(await warningsOf(response.headers.get('x-request-id'))).toEqual([
      'mistral does not support "logit_bias"; it was not sent',
      'mistral does not support "user"; it was not sent',
      'mistral does not support "messages[].name"; it was removed from 1 message(s)',
    ]);
  });

  it('ollama (no key): no Authorization header, unsupported fields dropped with warnings', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'llama', messages: [{ role: 'user', content: 'Hi' }], n: 2, tool_choice: 'none', max_completion_tokens: 20 })
      .withResponse();

    expect(ollama.requests).toHaveLength(1);
    const sent = ollama.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['api-key']).toBeUndefined();
    expect(sent.body).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20 });
    expect(data.choices[0]?.message.content).toBe('echo: Hi');
    expect(await warningsOf(response.headers.get('x-request-id'))).toEqual(['ollama does not support "tool_choice"; it was not sent', 'ollama does not support "n"; it was not sent']);
  });

  it('retries a connection reset and answers from the second attempt', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'again' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: again');
    expect(flaky.hits()).toBe(2);
    const { rows } = await harness.sql.query('SELECT attempts, status FROM requests WHERE id = $1', [response.headers.get('x-request-id')]);
    expect(rows).toEqual([{ attempts: 2, status: 'completed' }]);
  });
});
