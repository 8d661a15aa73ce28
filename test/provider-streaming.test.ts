import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicWireServer, anthropicError, anthropicErrorEvent, anthropicTextStreamFrames } from './support/anthropic-wire-server.ts';
import { GeminiWireServer, geminiError, streamGenerateContent } from './support/gemini-wire-server.ts';
import { OpenAIWireServer, openaiError, sseData } from './support/openai-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

type Chunk = OpenAI.ChatCompletionChunk;

/** Reads a stream with the SDK; returns its chunks, or the error it raised and the chunks before it. */
async function drain(stream: AsyncIterable<Chunk>): Promise<{ chunks: Chunk[]; error?: unknown }> {
  const chunks: Chunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}
const textOf = (chunks: Chunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

/** Each provider's stream, translated by a worker and relayed through the queue to the SDK. */
describe('streaming from every wire format through the gateway', () => {
  const openai = new OpenAIWireServer();
  const anthropic = new AnthropicWireServer();
  const gemini = new GeminiWireServer('AIza-test-key');
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const [openaiUrl, anthropicUrl, geminiUrl] = await Promise.all([openai.start(), anthropic.start(), gemini.start()]);
    harness = await startTestGateway({
      config: {
        providers: {
          openai: { type: 'openai', baseUrl: openaiUrl, apiKey: 'sk-upstream', maxAttempts: 1 },
          claude: { type: 'anthropic', baseUrl: anthropicUrl, apiKey: 'sk-ant-upstream', maxAttempts: 1 },
          gemini: { type: 'google', baseUrl: geminiUrl, apiKey: 'AIza-test-key', maxAttempts: 1 },
        },
        models: {
          'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          claude: { routes: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
          gemini: { routes: [{ provider: 'gemini', model: 'gemini-2.5-flash' }] },
          'openai-then-claude': {
            routes: [
              { provider: 'openai', model: 'gpt-4o-mini' },
              { provider: 'claude', model: 'claude-sonnet-4-5' },
            ],
          },
        },
      },
    });
    const { key } = await harness.createKey('provider-streams');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([openai.stop(), anthropic.stop(), gemini.stop()]);
  });
  beforeEach(() => {
    for (const server of [openai, anthropic, gemini]) server.requests.length = 0;
  });

  const ask = (model: string, content: string) =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }).withResponse();

  it.each([
    ['gpt-4o-mini', 'openai/gpt-4o-mini', { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 }],
    ['claude', 'claude/claude-sonnet-4-5', { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 }],
    ['gemini', 'gemini/gemini-2.5-flash', { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }],
  ])('%s: the text, a stop finish, the provider’s usage, and the record', async (model, route, usage) => {
    const { data, response } = await ask(model, 'stream me');
    expect(response.headers.get('x-gateway-route')).toBe(route);
    const { chunks, error } = await drain(data);
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('echo: stream me');
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(chunks.at(-1)?.usage).toMatchObject(usage);
    const { rows } = await harness.sql.query('SELECT r.status, r.streamed, u.total_tokens, u.estimated FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.id = $1', [
      response.headers.get('x-request-id'),
    ]);
    expect(rows).toEqual([{ status: 'completed', streamed: true, total_tokens: usage.total_tokens, estimated: false }]);
  });

  it('asks each provider for a stream in its own way', async () => {
    await drain((await ask('gpt-4o-mini', 'a')).data);
    await drain((await ask('claude', 'b')).data);
    await drain((await ask('gemini', 'c')).data);
    expect(openai.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(anthropic.requests[0]?.body).toMatchObject({ stream: true });
    expect(gemini.requests[0]?.path).toMatch(/:streamGenerateContent\?alt=sse$/);
  });

  it('streams tool calls with their arguments (Anthropic input_json_delta → OpenAI tool_calls deltas)', async () => {
    anthropic.enqueueStream({
      frames: [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_tool","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Par"}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"is\\"}"}}\n\n',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      stream: true,
    });
    const { chunks } = await drain(stream);
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(calls.map((call) => call.function?.arguments ?? '').join(''))).toEqual({ city: 'Paris' });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('falls back to the next route when the first fails before its first chunk', async () => {
    openai.enqueue(openaiError(503, { message: 'overloaded', type: 'server_error' }));
    const { data, response } = await ask('openai-then-claude', 'fall back');
    expect(response.headers.get('x-gateway-route')).toBe('claude/claude-sonnet-4-5');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    const { chunks, error } = await drain(data);
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('echo: fall back');
  });

  it('a stream cut after its first chunk does not fall back: the client gets an error event, usage is estimated and billed once', async () => {
    openai.enqueueStream({
      frames: [
        sseData({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial ans' }, finish_reason: null }] }),
      ],
      cut: true,
    });
    const { data, response } = await ask('openai-then-claude', 'cut me');
    const { chunks, error } = await drain(data);
    expect(textOf(chunks)).toBe('partial ans');
    expect(error).toMatchObject({ code: 'stream_interrupted' });
    expect(anthropic.requests).toHaveLength(0);
    const { rows } = await harness.sql.query('SELECT r.status, r.status_code, u.completion_tokens, u.estimated FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.id = $1', [
      response.headers.get('x-request-id'),
    ]);
    expect(rows).toEqual([{ status: 'failed', status_code: 502, completion_tokens: 3, estimated: true }]);
  });

  it('relays an error event in the provider’s stream (Anthropic overloaded_error) as an OpenAI error event', async () => {
    const frames = anthropicTextStreamFrames({ deltas: ['Once', ' upon'] });
    anthropic.enqueueStream({ frames: [...frames.slice(0, 4), anthropicErrorEvent('overloaded_error', 'Overloaded')] });
    const { data } = await ask('claude', 'tell a story');
    const { chunks, error } = await drain(data);
    expect(textOf(chunks)).toBe('Once');
    expect(error).toMatchObject({ code: 'stream_interrupted' });
    expect(String((error as Error).message)).toContain('Overloaded');
  });

  it('a provider error status before the stream starts is the HTTP error (Gemini 400, Anthropic 401 → 502)', async () => {
    gemini.enqueue(geminiError(400, 'INVALID_ARGUMENT', 'bad temperature'));
    await expect(ask('gemini', 'x')).rejects.toMatchObject({ status: 400 });
    anthropic.enqueue(anthropicError(401, 'authentication_error', 'invalid x-api-key'));
    await expect(ask('claude', 'y')).rejects.toMatchObject({ status: 502, code: 'provider_auth_error' });
  });

  it('a client that disconnects mid-stream makes the worker close the provider connection', async () => {
    const frames = Array.from({ length: 40 }, (_unused, index) =>
      sseData({ id: 'c-slow', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: `w${index} ` }, finish_reason: null }] }),
    );
    openai.enqueueStream({ frames: [...frames, 'data: [DONE]\n\n'], frameDelayMs: 100 });
    const closedBefore = openai.streamsClosedByClient;
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow' }], stream: true }, { signal: controller.signal });
    let seen = 0;
    for await (const _chunk of stream) {
      seen += 1;
      if (seen === 2) controller.abort();
    }
    // Long before the 4 s the provider would take to finish.
    await expect.poll(() => openai.streamsClosedByClient, { timeout: 2_000 }).toBe(closedBefore + 1);
  });

  it('a slow Gemini stream arrives piece by piece, the first before the last is sent', async () => {
    gemini.enqueueStream(streamGenerateContent(['one ', 'two ', 'three'], { frameDelayMs: 300 }));
    const { data } = await ask('gemini', 'slow');
    const arrivals: Array<{ text: string; at: number }> = [];
    for await (const chunk of data) arrivals.push({ text: chunk.choices[0]?.delta.content ?? '', at: Date.now() });
    const first = arrivals.find((arrival) => arrival.text === 'one ');
    const last = arrivals.find((arrival) => arrival.text === 'three');
    expect(first && last && last.at - first.at).toBeGreaterThanOrEqual(450);
  });
});
