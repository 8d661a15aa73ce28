import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CohereWireServer, cohereChatResponse, cohereError } from './support/cohere-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** The official `openai` SDK → gateway (type: cohere) → a local server speaking Cohere's v2 API. */
describe('Cohere provider end to end', () => {
  const upstream = new CohereWireServer('co-test-key');
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      config: {
        providers: { cohere: { type: 'cohere', baseUrl, apiKey: 'co-test-key', maxAttempts: 3, retryBaseDelayMs: 10, embedInputType: 'search_query' } },
        models: {
          command: { routes: [{ provider: 'cohere', model: 'command-a-03-2025' }] },
          'cohere-embed': { routes: [{ provider: 'cohere', model: 'embed-v4.0' }] },
        },
      },
    });
    const { key } = await harness.createKey('cohere-e2e');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const requestRow = async (requestId: string | null) => (await harness.sql.query('SELECT attempts, status, warnings FROM requests WHERE id = $1', [requestId])).rows[0] as Record<string, unknown>;

  it('chat: /v2/chat with the Bearer key and Cohere’s field names; usage from billed units; dropped settings recorded', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'command',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello Cohere' },
        ],
        top_p: 0.5,
        max_tokens: 40,
        logit_bias: { '5': 1 },
      })
      .withResponse();
    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v2/chat');
    expect(sent.headers.authorization).toBe('Bearer co-test-key');
    expect(sent.body).toEqual({
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello Cohere' },
      ],
      p: 0.5,
      max_tokens: 40,
    });
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'echo: Hello Cohere' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
    expect(await requestRow(response.headers.get('x-request-id'))).toMatchObject({ warnings: ['logit_bias: not supported by Cohere; dropped'] });
  });

  it('streams Cohere’s events as chat.completion.chunks', async () => {
    const stream = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'stream it' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: stream it');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 9 });
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true });
  });

  it('tools: a TOOL_CALL answer becomes tool_calls; the tool result goes back with its tool_call_id and the plan', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    ];
    upstream.enqueue(cohereChatResponse({ toolPlan: 'I will check the weather.', toolCalls: [{ id: 'get_weather_1byjy32y4hvq', name: 'get_weather', arguments: '{"location":"Toronto"}' }] }));
    const question: OpenAI.Chat.ChatCompletionMessageParam = { role: 'user', content: 'Weather in Toronto?' };
    const first = await client.chat.completions.create({ model: 'command', messages: [question], tools, tool_choice: 'required' });
    expect(upstream.requests[0]?.body).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city' } }], tool_choice: 'REQUIRED' });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toEqual([{ id: 'get_weather_1byjy32y4hvq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }]);

    await client.chat.completions.create({
      model: 'command',
      messages: [question, choice.message as OpenAI.Chat.ChatCompletionMessageParam, { role: 'tool', tool_call_id: 'get_weather_1byjy32y4hvq', content: '{"temperature":"21C"}' }],
      tools,
    });
    expect((upstream.requests[1]?.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        tool_plan: 'I will check the weather.',
        tool_calls: [{ id: 'get_weather_1byjy32y4hvq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }],
      },
      { role: 'tool', tool_call_id: 'get_weather_1byjy32y4hvq', content: '{"temperature":"21C"}' },
    ]);
  });

  it('embeddings: /v2/embed with the configured input_type, usage from billed units', async () => {
    const response = await client.embeddings.create({ model: 'cohere-embed', input: ['hello', 'goodbye'] });
    expect(upstream.requests[0]?.path).toBe('/v2/embed');
    expect(upstream.requests[0]?.body).toEqual({ model: 'embed-v4.0', texts: ['hello', 'goodbye'], input_type: 'search_query', embedding_types: ['float'] });
    expect(response.data.map((item) => item.embedding[0])).toEqual([5, 7]);
    expect(response.usage).toMatchObject({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('retries a 429 and answers from the next attempt', async () => {
    upstream.enqueue(cohereError(429, 'You are using a Trial key, which is limited to 10 API calls / minute.', { 'retry-after': '0' }));
    const { data, response } = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'again' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: again');
    expect(upstream.requests).toHaveLength(2);
    expect(await requestRow(response.headers.get('x-request-id'))).toMatchObject({ attempts: 2, status: 'completed' });
  });

  it('a 400 reaches the client as a 400 with Cohere’s message, not retried', async () => {
    upstream.enqueue(cohereError(400, 'invalid request: message must be at least 1 token long or tool results must be specified.'));
    const error = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: '' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('message must be at least 1 token long');
    expect(upstream.requests).toHaveLength(1);
  });
});
