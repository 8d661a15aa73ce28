import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicWireServer, anthropicEvent, anthropicMessage } from './support/anthropic-wire-server.ts';
import { GeminiWireServer } from './support/gemini-wire-server.ts';
import { OpenAIWireServer } from './support/openai-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/**
 * Anthropic's Messages API in front of every provider, through the official `@anthropic-ai/sdk`:
 * Claude on an Anthropic-wire provider, GPT on an OpenAI-wire one, Gemini on a Gemini-wire one.
 */
describe('POST /v1/messages through the Anthropic SDK', () => {
  const anthropicUpstream = new AnthropicWireServer();
  const openaiUpstream = new OpenAIWireServer();
  const geminiUpstream = new GeminiWireServer('AIza-test-key');
  let harness: TestGateway;
  let client: Anthropic;
  let key: string;

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
    key = (await harness.createKey('messages')).key;
    client = new Anthropic({ apiKey: key, baseURL: harness.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([anthropicUpstream.stop(), openaiUpstream.stop(), geminiUpstream.stop()]);
  });

  it.each(['claude', 'gpt', 'gemini'])('answers messages.create on %s with an Anthropic Message', async (model) => {
    const message = await client.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: `hello from ${model}` }] });
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe(model);
    expect(message.id).toMatch(/^msg_/);
    expect(message.stop_reason).toBe('end_turn');
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text).toContain(`hello from ${model}`);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const { rows } = await harness.sql.query<{ model: string; status: string }>("SELECT model, status FROM requests WHERE model = $1 AND kind = 'sync'", [model]);
    expect(rows.some((row) => row.status === 'completed')).toBe(true);
  });

  it.each(['claude', 'gpt', 'gemini'])('streams messages.stream on %s as Anthropic events the SDK assembles', async (model) => {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: `stream from ${model}` }] });
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text).toContain(`stream from ${model}`);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(events[0]).toBe('message_start');
    expect(events).toContain('content_block_delta');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
  });

  it('carries a tool call out and its result back in, on an OpenAI-wire provider', async () => {
    openaiUpstream.enqueue(() => ({
      status: 200,
      body: {
        id: 'chatcmpl-tool',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-6.2-sol',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
      },
    }));
    const tools = [{ name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }];
    const first = await client.messages.create({ model: 'gpt', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } });
    const sentBefore = openaiUpstream.requests.length;
    const second = await client.messages.create({
      model: 'gpt',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny, 21 °C' }] },
      ],
    });
    expect(second.type).toBe('message');
    const sent = openaiUpstream.requests[sentBefore]?.body as { messages: Array<{ role: string; tool_call_id?: string; content?: unknown; tool_calls?: unknown[] }>; tools: unknown[] };
    expect(sent.tools).toHaveLength(1);
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent.messages[1]?.tool_calls).toHaveLength(1);
    expect(sent.messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21 °C' });
  });

  it('counts tokens (an estimate) with messages.countTokens', async () => {
    const counted = await client.messages.countTokens({ model: 'claude', messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] });
    expect(counted.input_tokens).toBeGreaterThan(5);
  });

  it('answers errors in Anthropic’s shape, which the SDK raises as its own error classes', async () => {
    const missing = await fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(missing.status).toBe(400);
    const missingBody = (await missing.json()) as { type: string; error: { type: string; message: string } };
    expect(missingBody.type).toBe('error');
    expect(missingBody.error.type).toBe('invalid_request_error');
    expect(missingBody.error.message).toMatch(/max_tokens/);

    await expect(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const unauthenticated = new Anthropic({ apiKey: 'sk-wrong', baseURL: harness.url, maxRetries: 0 });
    await expect(unauthenticated.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);

    const orphan = await fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_none', content: 'x' }] }] }),
    });
    expect(orphan.status).toBe(400);
    const orphanBody = (await orphan.json()) as { type: string; error: { type: string; message: string } };
    expect(orphanBody).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(orphanBody.error.message).toContain('toolu_none');
  });

  it('sends thinking and top_k to an Anthropic provider only; others get reasoning_effort and neither field', async () => {
    const params = { max_tokens: 2000, top_k: 5, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'think' }] };
    const openaiBefore = openaiUpstream.requests.length;
    await client.messages.create({ model: 'gpt', ...params });
    const toOpenAI = openaiUpstream.requests[openaiBefore]?.body as Record<string, unknown>;
    expect(toOpenAI['reasoning_effort']).toBe('low');
    expect(Object.keys(toOpenAI)).not.toEqual(expect.arrayContaining(['thinking']));
    expect(toOpenAI).not.toHaveProperty('top_k');
    expect(toOpenAI).not.toHaveProperty('anthropic');
    const anthropicBefore = anthropicUpstream.requests.length;
    await client.messages.create({ model: 'claude', ...params });
    const toAnthropic = anthropicUpstream.requests[anthropicBefore]?.body as Record<string, unknown>;
    expect(toAnthropic['thinking']).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(toAnthropic['top_k']).toBe(5);
    expect(toAnthropic).not.toHaveProperty('anthropic');
  });

  it('keeps cache_control breakpoints for an Anthropic provider and takes them out for others', async () => {
    const params = {
      max_tokens: 100,
      system: [{ type: 'text' as const, text: 'A long, cacheable system prompt.', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi', cache_control: { type: 'ephemeral' as const } }] }],
    };
    const openaiBefore = openaiUpstream.requests.length;
    await client.messages.create({ model: 'gpt', ...params });
    expect(JSON.stringify(openaiUpstream.requests[openaiBefore]?.body)).not.toContain('cache_control');
    const anthropicBefore = anthropicUpstream.requests.length;
    await client.messages.create({ model: 'claude', ...params });
    const toAnthropic = JSON.stringify(anthropicUpstream.requests[anthropicBefore]?.body);
    expect(toAnthropic.match(/cache_control/g)).toHaveLength(2);
  });

  /**
   * Extended thinking with tool use, as Anthropic's guide runs it: the answer's signed thinking block goes
   * back with the tool result, unmodified, or Anthropic refuses the follow-up (as the test server does).
   * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
   */
  it.each(['create', 'stream'])('gives Claude’s signed thinking back to the client and on to Anthropic with the tool result, and forwards anthropic-beta (%s)', async (mode) => {
    const thinking = {
      type: 'thinking' as const,
      thinking: 'The user wants to know the current weather in Paris. I have access to a function `get_weather`...',
      signature: 'BDaL4VrbR2Oj0hO4XpJxT28J5TILnCrrUXoKiiNBZW9P+nr8XSj1zuZzAl4egiCCpQNvfyUuFFJP5CncdYZEQPPmLxYsNrcs....',
    };
    const toolUse = { type: 'tool_use' as const, id: 'toolu_01CswdEQBMshySk6Y9DFKrfq', name: 'get_weather', input: { location: 'Paris' } };
    const text = 'I can help you get the current weather information for Paris. Let me check that for you';
    if (mode === 'create') {
      anthropicUpstream.enqueue(anthropicMessage({ content: [thinking, { type: 'text', text }, toolUse], stop_reason: 'tool_use' }));
    } else {
      const block = (index: number, start: Record<string, unknown>, deltas: Array<Record<string, unknown>>) => [
        anthropicEvent({ type: 'content_block_start', index, content_block: start }),
        ...deltas.map((delta) => anthropicEvent({ type: 'content_block_delta', index, delta })),
        anthropicEvent({ type: 'content_block_stop', index }),
      ];
      anthropicUpstream.enqueueStream({
        frames: [
          anthropicEvent({
            type: 'message_start',
            message: {
              id: 'msg_01',
              type: 'message',
              role: 'assistant',
              content: [],
              model: 'claude-haiku-5-5',
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: 412, output_tokens: 1 },
            },
          }),
          ...block(0, { type: 'thinking', thinking: '', signature: '' }, [
            { type: 'thinking_delta', thinking: thinking.thinking.slice(0, 40) },
            { type: 'thinking_delta', thinking: thinking.thinking.slice(40) },
            { type: 'signature_delta', signature: thinking.signature },
          ]),
          ...block(1, { type: 'text', text: '' }, [{ type: 'text_delta', text }]),
          ...block(2, { ...toolUse, input: {} }, [{ type: 'input_json_delta', partial_json: JSON.stringify(toolUse.input) }]),
          anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 186 } }),
          anthropicEvent({ type: 'message_stop' }),
        ],
      });
    }
    const betas = ['interleaved-thinking-2025-05-14', 'token-efficient-tools-2025-02-19'];
    const tools = [
      { name: 'get_weather', description: 'Get current weather for a location', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] } },
    ];
    const params = { model: 'claude', max_tokens: 16000, thinking: { type: 'enabled' as const, budget_tokens: 10000 }, tools, betas };
    const question = { role: 'user' as const, content: "What's the weather in Paris?" };
    const before = anthropicUpstream.requests.length;
    const first = mode === 'create' ? await client.beta.messages.create({ ...params, messages: [question] }) : await client.beta.messages.stream({ ...params, messages: [question] }).finalMessage();
    expect(first.content).toEqual([thinking, expect.objectContaining({ type: 'text', text }), toolUse]);
    expect(first.stop_reason).toBe('tool_use');

    const second = await client.beta.messages.create({
      ...params,
      messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'Current temperature: 88°F' }] }],
    });
    expect(second.type).toBe('message');
    const [toFirst, toSecond] = anthropicUpstream.requests.slice(before);
    const sent = toSecond?.body as { messages: Array<{ role: string; content: unknown[] }> };
    expect(sent.messages[1]?.content).toEqual([thinking, { type: 'text', text }, toolUse]);
    expect(sent.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: toolUse.id, content: 'Current temperature: 88°F' }]);
    for (const request of [toFirst, toSecond]) expect(request?.headers['anthropic-beta']).toBe(betas.join(','));
  });

  it('tells a client on another provider that the anthropic-beta header was not forwarded, and sends no thinking history', async () => {
    const response = await fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-beta': 'interleaved-thinking-2025-05-14' },
      body: JSON.stringify({
        model: 'gpt',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'A greeting.', signature: 'EqQBCgIYAhIM' },
              { type: 'text', text: 'Hello!' },
            ],
          },
          { role: 'user', content: 'How are you?' },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(JSON.stringify(openaiUpstream.requests.at(-1)?.body)).not.toContain('thinking');
    const recorded = async () => (await harness.sql.query<{ warnings: string[] | null }>('SELECT warnings FROM requests WHERE id = $1', [response.headers.get('request-id')])).rows[0]?.warnings;
    await expect.poll(recorded).toContain('the anthropic-beta header applies to Anthropic models only and was not forwarded');
  });
});
