import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicWireServer, anthropicError, anthropicMessage } from './support/anthropic-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** `type: anthropic` end to end: official openai SDK → gateway → queue → worker → Anthropic wire → Postgres. */
describe('Anthropic provider through the gateway', () => {
  const upstream = new AnthropicWireServer();
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      config: {
        providers: {
          claude: { type: 'anthropic', baseUrl, apiKey: 'sk-ant-upstream-secret', maxAttempts: 3, retryBaseDelayMs: 10 },
        },
        models: {
          'claude-sonnet': {
            routes: [{ provider: 'claude', model: 'claude-sonnet-4-5' }],
            pricing: { inputPerMillion: '3', outputPerMillion: '15', cachedInputPerMillion: '0.3' },
          },
        },
      },
    });
    const { key } = await harness.createKey('anthropic-e2e');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const rows = async (table: 'requests' | 'usage', requestId: string | null) => {
    const column = table === 'requests' ? 'id' : 'request_id';
    return (await harness.sql.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [requestId])).rows;
  };

  it('sends a Messages request and answers a chat.completion with cached tokens recorded', async () => {
    upstream.enqueue(
      anthropicMessage({
        content: [{ type: 'text', text: 'Bonjour !' }],
        usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 5 },
      }),
    );
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude-sonnet',
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Hello' },
        ],
        max_tokens: 64,
        temperature: 0.3,
        seed: 1,
      })
      .withResponse();

    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers).toMatchObject({ 'x-api-key': 'sk-ant-upstream-secret', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      system: 'Answer in French.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      temperature: 0.3,
    });

    expect(data).toMatchObject({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Bonjour !' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1020, completion_tokens: 5, total_tokens: 1025, prompt_tokens_details: { cached_tokens: 1000 } },
    });
    const requestId = response.headers.get('x-request-id');
    const [usage] = await rows('usage', requestId);
    // 20 uncached at $3/M + 1,000 cached at $0.30/M + 5 out at $15/M = 0.00006 + 0.0003 + 0.000075
    expect(usage).toMatchObject({
      provider: 'claude',
      upstream_model: 'claude-sonnet-4-5',
      prompt_tokens: 1020,
      completion_tokens: 5,
      cached_prompt_tokens: 1000,
      cache_creation_tokens: 0,
      estimated: false,
      cost: '0.0004350000',
    });
    const [record] = await rows('requests', requestId);
    expect(record.warnings).toEqual(['seed is not supported by Anthropic and was dropped']);
  });

  it('round-trips a tool call: tool_use comes back as tool_calls, tool results go out as tool_result blocks', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
    ];
    upstream.enqueue(
      anthropicMessage({
        content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris' } }],
        stop_reason: 'tool_use',
      }),
    );
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'claude-sonnet', messages, tools, tool_choice: 'required', parallel_tool_calls: false });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(first.choices[0]?.message.content).toBeNull();
    expect(call).toEqual({ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } });
    expect(upstream.requests[0]?.body).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });

    upstream.enqueue(anthropicMessage({ content: [{ type: 'text', text: 'It is 15°C and sunny in Paris.' }] }));
    const second = await client.chat.completions.create({
      model: 'claude-sonnet',
      tools,
      messages: [...messages, first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '15°C, sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('It is 15°C and sunny in Paris.');
    expect((upstream.requests[1]?.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15°C, sunny' }] },
    ]);
  });

  it('retries an Anthropic 429 after its retry-after, then a 529 overloaded, and bills once', async () => {
    upstream.enqueue(anthropicError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '1' }));
    upstream.enqueue(anthropicError(529, 'overloaded_error', 'Overloaded'));
    const { data, response } = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'third time lucky' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: third time lucky');
    expect(upstream.requests).toHaveLength(3);
    const requestId = response.headers.get('x-request-id');
    expect(await rows('requests', requestId)).toMatchObject([{ status: 'completed', attempts: 3 }]);
    expect(await rows('usage', requestId)).toHaveLength(1);
  });

  it('surfaces an Anthropic 400 as a 400 with its message and type, without retrying', async () => {
    upstream.enqueue(anthropicError(400, 'invalid_request_error', 'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5'));
    const failure = client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'x' }], max_tokens: 100_000 });
    await expect(failure).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(failure).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_request_error',
      message: expect.stringContaining('max_tokens: 100000 > 64000'),
    });
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses n > 1 with a 400 before calling Anthropic', async () => {
    await expect(client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'x' }], n: 2 })).rejects.toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param: 'n',
    });
    expect(upstream.requests).toHaveLength(0);
  });
});
