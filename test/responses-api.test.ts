import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicWireServer } from './support/anthropic-wire-server.ts';
import { GeminiWireServer } from './support/gemini-wire-server.ts';
import { echoCompletion, OpenAIWireServer } from './support/openai-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** OpenAI's Responses API in front of every provider, through the official `openai` SDK. */
describe('POST /v1/responses through the OpenAI SDK', () => {
  const anthropicUpstream = new AnthropicWireServer();
  const openaiUpstream = new OpenAIWireServer();
  const geminiUpstream = new GeminiWireServer('AIza-test-key');
  let harness: TestGateway;
  let client: OpenAI;
  let other: OpenAI;

  beforeAll(async () => {
    const [anthropicUrl, openaiUrl, geminiUrl] = await Promise.all([anthropicUpstream.start(), openaiUpstream.start(), geminiUpstream.start()]);
    harness = await startTestGateway({
      config: {
        providers: {
          anthropic: { type: 'anthropic', baseUrl: anthropicUrl, apiKey: 'sk-ant-upstream' },
          openai: { type: 'openai', baseUrl: openaiUrl, apiKey: 'sk-upstream' },
          google: { type: 'google', baseUrl: geminiUrl, apiKey: 'AIza-test-key' },
        },
        models: {
          claude: { routes: [{ provider: 'anthropic', model: 'claude-haiku-5-5' }] },
          gpt: { routes: [{ provider: 'openai', model: 'gpt-6.2-sol' }] },
          gemini: { routes: [{ provider: 'google', model: 'gemini-3.8-flash' }] },
        },
      },
    });
    client = new OpenAI({ apiKey: (await harness.createKey('responses')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    other = new OpenAI({ apiKey: (await harness.createKey('someone-else')).key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([anthropicUpstream.stop(), openaiUpstream.stop(), geminiUpstream.stop()]);
  });

  it.each(['claude', 'gpt', 'gemini'])('answers responses.create on %s, stores it, and retrieves it', async (model) => {
    const response = await client.responses.create({ model, instructions: 'Be brief.', input: `hello from ${model}` });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.output_text).toContain(`hello from ${model}`);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    const retrieved = await client.responses.retrieve(response.id);
    expect(retrieved.output_text).toBe(response.output_text);
    const items = await client.responses.inputItems.list(response.id);
    expect(items.data.length).toBeGreaterThan(0);
  });

  it.each(['claude', 'gpt', 'gemini'])('streams on %s as Responses events the SDK assembles, and stores the result', async (model) => {
    const stream = client.responses.stream({ model, input: `stream from ${model}` });
    const types = new Set<string>();
    stream.on('event', (event) => types.add(event.type));
    const final = await stream.finalResponse();
    expect(final.output_text).toContain(`stream from ${model}`);
    expect(final.status).toBe('completed');
    for (const type of ['response.created', 'response.output_text.delta', 'response.completed']) expect(types.has(type), type).toBe(true);
    await expect.poll(async () => (await client.responses.retrieve(final.id)).output_text, { timeout: 5000 }).toBe(final.output_text);
  });

  it('continues a conversation from previous_response_id: the earlier turns reach the provider', async () => {
    const first = await client.responses.create({ model: 'gpt', input: 'My name is Ada.' });
    const before = openaiUpstream.requests.length;
    const second = await client.responses.create({ model: 'gpt', previous_response_id: first.id, input: 'What is my name?' });
    expect(second.status).toBe('completed');
    const sent = openaiUpstream.requests[before]?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(sent.messages[0]?.content)).toContain('My name is Ada.');
    // Another project's id is not found, neither to read nor to continue.
    await expect(other.responses.retrieve(first.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(other.responses.create({ model: 'gpt', previous_response_id: first.id, input: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  /** The request row behind a stored response. */
  const recordOf = async (responseId: string) =>
    (await harness.sql.query<{ format: string; warnings: string[] | null }>('SELECT format, warnings FROM requests WHERE id = (SELECT request_id FROM responses WHERE id = $1)', [responseId])).rows[0];

  it('records the request as format responses, with what the translation dropped before what the provider could not honour', async () => {
    const response = await client.responses.create({ model: 'claude', input: 'too warm', temperature: 1.5, truncation: 'auto' });
    expect(response.status).toBe('completed');
    expect(await recordOf(response.id)).toEqual({
      format: 'responses',
      warnings: ['truncation: "auto" is not supported; input longer than the context window fails as with "disabled"', "temperature 1.5 was clamped to 1, the top of Anthropic's range (0–1)"],
    });
  });

  it('does not keep a response with store: false, and deletes a stored one', async () => {
    const unstored = await client.responses.create({ model: 'gpt', input: 'forget me', store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const stored = await client.responses.create({ model: 'gpt', input: 'then delete me' });
    await client.responses.delete(stored.id);
    await expect(client.responses.retrieve(stored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses what it cannot translate, in OpenAI’s error shape', async () => {
    const unknown = await client.responses.create({ model: 'gpt', previous_response_id: 'resp_nope', input: 'x' }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('previous_response_id');
    const item = await client.responses.create({ model: 'gpt', input: [{ type: 'file_search_call', id: 'fs_1', queries: ['x'], status: 'completed' } as never] }).catch((error: unknown) => error);
    expect(item).toBeInstanceOf(OpenAI.BadRequestError);
    expect((item as InstanceType<typeof OpenAI.BadRequestError>).param).toMatch(/^input\[0\]/);
  });

  it('runs background: true as an async job: queued at once, completed on a later retrieve, continued from', async () => {
    const queued = await client.responses.create({ model: 'gpt', input: 'in the background', background: true, truncation: 'auto' });
    expect(['queued', 'in_progress']).toContain(queued.status);
    expect(queued.output).toEqual([]);
    await expect.poll(async () => (await client.responses.retrieve(queued.id)).status, { timeout: 10_000, interval: 100 }).toBe('completed');
    const done = await client.responses.retrieve(queued.id);
    expect(done.output_text).toContain('in the background');
    expect(done.usage?.output_tokens).toBeGreaterThan(0);
    const { rows } = await harness.sql.query<{ kind: string; status: string }>('SELECT kind, status FROM requests WHERE id = (SELECT request_id FROM responses WHERE id = $1)', [queued.id]);
    expect(rows).toEqual([{ kind: 'async', status: 'completed' }]);
    expect(await recordOf(queued.id)).toEqual({ format: 'responses', warnings: ['truncation: "auto" is not supported; input longer than the context window fails as with "disabled"'] });
    // Its answer is part of the conversation a follow-up continues.
    const before = openaiUpstream.requests.length;
    await client.responses.create({ model: 'gpt', previous_response_id: queued.id, input: 'and then?' });
    const sent = openaiUpstream.requests[before]?.body as { messages: Array<{ role: string }> };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    await expect(client.responses.create({ model: 'gpt', input: 'x', background: true, store: false })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('cancels a background response: it stays cancelled, its call is still billed, and only background responses can be', async () => {
    // The provider answers after a while: the response is still running when cancelled.
    openaiUpstream.enqueue((request) => ({ ...echoCompletion(request), delayMs: 1500 }));
    const queued = await client.responses.create({ model: 'gpt', input: 'cancel me', background: true });
    await expect.poll(async () => (await client.responses.retrieve(queued.id)).status, { timeout: 5000, interval: 20 }).toBe('in_progress');
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.output).toEqual([]);
    const requestId = (await harness.sql.query<{ request_id: string }>('SELECT request_id FROM responses WHERE id = $1', [queued.id])).rows[0]!.request_id;
    // The call under way finishes and is billed; the response stays cancelled and keeps no answer.
    await expect.poll(async () => (await harness.sql.query('SELECT 1 FROM usage WHERE request_id = $1', [requestId])).rowCount, { timeout: 10_000, interval: 50 }).toBe(1);
    expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');
    const { rows } = await harness.sql.query<{ status: string; response: unknown }>('SELECT status, response FROM requests WHERE id = $1', [requestId]);
    expect(rows).toEqual([{ status: 'cancelled', response: null }]);
    // Cancelling again, or a response that has ended, answers it as it is.
    expect((await client.responses.cancel(queued.id)).status).toBe('cancelled');
    const done = await client.responses.create({ model: 'gpt', input: 'finish first', background: true });
    await expect.poll(async () => (await client.responses.retrieve(done.id)).status, { timeout: 10_000, interval: 50 }).toBe('completed');
    expect((await client.responses.cancel(done.id)).status).toBe('completed');
    const foreground = await client.responses.create({ model: 'gpt', input: 'not in the background' });
    await expect(client.responses.cancel(foreground.id)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(other.responses.cancel(queued.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
