import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BedrockWireServer, bedrockError, converseAnswer, converseTextStream } from './support/bedrock-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

type Chunk = OpenAI.ChatCompletionChunk;

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

const accessKeyId = 'AKIAIOSFODNN7EXAMPLE';
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const profileArn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';

/** `type: bedrock` end to end: official openai SDK → gateway → queue → worker → SigV4-signed Converse → Postgres. */
describe('Bedrock provider through the gateway', () => {
  const upstream = new BedrockWireServer({ accessKeys: { [accessKeyId]: secretAccessKey }, apiKeys: ['ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl'] });
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    const common = { type: 'bedrock', region: 'us-east-1', baseUrl, maxAttempts: 3, retryBaseDelayMs: 10 };
    harness = await startTestGateway({
      config: {
        providers: {
          aws: { ...common, accessKeyId, secretAccessKey },
          'aws-api-key': { ...common, apiKey: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl' },
          'aws-wrong-secret': { ...common, accessKeyId, secretAccessKey: 'not-the-secret', maxAttempts: 1 },
        },
        models: {
          nova: { routes: [{ provider: 'aws', model: 'amazon.nova-pro-v1:0' }], pricing: { inputPerMillion: '0.8', outputPerMillion: '3.2' } },
          claude: { routes: [{ provider: 'aws', model: profileArn }] },
          'claude-by-api-key': { routes: [{ provider: 'aws-api-key', model: 'us.anthropic.claude-3-5-sonnet-20240620-v1:0' }] },
          'wrong-secret': { routes: [{ provider: 'aws-wrong-secret', model: 'amazon.nova-pro-v1:0' }] },
          'titan-embed': { routes: [{ provider: 'aws', model: 'amazon.titan-embed-text-v2:0' }] },
        },
      },
    });
    const { key } = await harness.createKey('bedrock-e2e');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
    upstream.refusals.length = 0;
  });

  const rows = async (table: 'requests' | 'usage', requestId: string | null) => {
    const column = table === 'requests' ? 'id' : 'request_id';
    return (await harness.sql.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [requestId])).rows;
  };

  it('signs a Converse request with SigV4 and answers a chat.completion, usage and cost recorded', async () => {
    upstream.enqueue(converseAnswer({ content: [{ text: 'Bonjour !' }], usage: { inputTokens: 20, outputTokens: 5, totalTokens: 25 } }));
    const { data, response } = await client.chat.completions
      .create({
        model: 'nova',
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Hello' },
        ],
        max_tokens: 64,
        temperature: 0.3,
        stop: ['END'],
        seed: 1,
      })
      .withResponse();

    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/model/amazon.nova-pro-v1%3A0/converse');
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
      system: [{ text: 'Answer in French.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0.3, stopSequences: ['END'] },
    });
    expect(data).toMatchObject({
      object: 'chat.completion',
      model: 'amazon.nova-pro-v1:0',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Bonjour !' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    });
    const requestId = response.headers.get('x-request-id');
    expect(await rows('usage', requestId)).toMatchObject([
      { provider: 'aws', upstream_model: 'amazon.nova-pro-v1:0', prompt_tokens: 20, completion_tokens: 5, estimated: false, cost: '0.0000320000' },
    ]);
    const [record] = await rows('requests', requestId);
    expect(record.warnings).toEqual(['seed is not supported by Bedrock and was dropped']);
  });

  it('sends an inference profile ARN percent-encoded in the path, and a Bedrock API key as a bearer token', async () => {
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'by ARN' }] });
    expect(upstream.requests[0]?.path).toBe(`/model/${encodeURIComponent(profileArn)}/converse`);
    expect(upstream.requests[0]?.modelId).toBe(profileArn);

    const answer = await client.chat.completions.create({ model: 'claude-by-api-key', messages: [{ role: 'user', content: 'by key' }] });
    expect(answer.choices[0]?.message.content).toBe('echo: by key');
    expect(upstream.requests[1]?.headers.authorization).toBe('Bearer ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl');
    expect(upstream.refusals).toEqual([]);
  });

  it('round-trips a tool call: toolUse comes back as tool_calls, tool results go out as toolResult blocks', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
    ];
    upstream.enqueue(converseAnswer({ content: [{ toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { location: 'Paris' } } }], stopReason: 'tool_use' }));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'nova', messages, tools, tool_choice: 'required' });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toEqual({ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } });
    expect(upstream.requests[0]?.body).toMatchObject({
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', description: 'Current weather', inputSchema: { json: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } } }],
        toolChoice: { any: {} },
      },
    });

    upstream.enqueue(converseAnswer({ content: [{ text: 'It is 15°C and sunny in Paris.' }] }));
    const second = await client.chat.completions.create({
      model: 'nova',
      tools,
      messages: [...messages, first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '15°C, sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('It is 15°C and sunny in Paris.');
    expect((upstream.requests[1]?.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { location: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', content: [{ text: '15°C, sunny' }] } }] },
    ]);
  });

  it('retries a ThrottlingException 429 and a ServiceUnavailableException 503, and bills once', async () => {
    upstream.enqueue(bedrockError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.'));
    upstream.enqueue(bedrockError(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.'));
    const { data, response } = await client.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'third time lucky' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: third time lucky');
    expect(upstream.requests).toHaveLength(3);
    const requestId = response.headers.get('x-request-id');
    expect(await rows('requests', requestId)).toMatchObject([{ status: 'completed', attempts: 3 }]);
    expect(await rows('usage', requestId)).toHaveLength(1);
  });

  it('surfaces a ValidationException as a 400 in OpenAI’s error format, without retrying', async () => {
    upstream.enqueue(bedrockError(400, 'ValidationException', 'The maximum tokens you requested exceeds the model limit of 5000.'));
    const failure = client.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'x' }], max_tokens: 100_000 });
    await expect(failure).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(failure).rejects.toMatchObject({ status: 400, message: expect.stringContaining('exceeds the model limit of 5000') });
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses an image by http URL with a 400 before calling Bedrock', async () => {
    const failure = client.chat.completions.create({
      model: 'nova',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
    });
    await expect(failure).rejects.toMatchObject({ status: 400, param: 'messages[0].content[0].image_url.url', message: expect.stringContaining('data: URL') });
    expect(upstream.requests).toHaveLength(0);
  });

  it('a wrong secret is refused by the signature check (InvalidSignatureException 403), not retried', async () => {
    const failure = client.chat.completions.create({ model: 'wrong-secret', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    await expect(failure).rejects.toMatchObject({ status: 502, code: 'provider_auth_error' });
    expect(upstream.requests).toHaveLength(0);
    expect(upstream.refusals).toEqual([
      { path: '/model/amazon.nova-pro-v1%3A0/converse', type: 'InvalidSignatureException', message: expect.stringContaining('The request signature we calculated does not match') },
    ]);
    const { rows: failed } = await harness.sql.query("SELECT attempts, error_code FROM requests WHERE provider = 'aws-wrong-secret'");
    expect(failed).toEqual([{ attempts: 1, error_code: 'provider_auth_error' }]);
  });

  it('streams ConverseStream event-stream frames, split across network writes, as OpenAI chunks with usage', async () => {
    upstream.enqueueStream({ messages: converseTextStream(['Once', ' upon', ' a time'], { inputTokens: 9, outputTokens: 4, totalTokens: 13 }), pieceBytes: 7 });
    const { data, response } = await client.chat.completions
      .create({ model: 'nova', messages: [{ role: 'user', content: 'tell a story' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const { chunks, error } = await drain(data);
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Once upon a time');
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    expect(upstream.requests[0]?.path).toBe('/model/amazon.nova-pro-v1%3A0/converse-stream');
    expect(upstream.requests[0]?.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(await rows('usage', response.headers.get('x-request-id'))).toMatchObject([{ prompt_tokens: 9, completion_tokens: 4, estimated: false }]);
  });

  it('streams a tool call: toolUse start and input deltas become tool_calls deltas', async () => {
    upstream.enqueueStream({
      messages: [
        { event: 'messageStart', body: { role: 'assistant' } },
        { event: 'contentBlockStart', body: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } } } },
        { event: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { toolUse: { input: '{"location":' } } } },
        { event: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } } },
        { event: 'contentBlockStop', body: { contentBlockIndex: 0 } },
        { event: 'messageStop', body: { stopReason: 'tool_use' } },
        { event: 'metadata', body: { usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 }, metrics: { latencyMs: 100 } } },
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'nova',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      stream: true,
    });
    const { chunks, error } = await drain(stream);
    expect(error).toBeUndefined();
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: 'tooluse_1', type: 'function', function: { name: 'get_weather' } });
    expect(calls.map((call) => call.function?.arguments ?? '').join('')).toBe('{"location":"Paris"}');
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
  });

  it('relays an exception frame mid-stream (modelStreamErrorException) as an OpenAI error event', async () => {
    const messages = converseTextStream(['Once', ' upon']);
    upstream.enqueueStream({ messages: [...messages.slice(0, 2), { exception: 'modelStreamErrorException', body: { message: 'The model stream failed: output could not be decoded.' } }] });
    const stream = await client.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'tell a story' }], stream: true });
    const { chunks, error } = await drain(stream);
    expect(textOf(chunks)).toBe('Once');
    expect(error).toMatchObject({ code: 'stream_interrupted' });
    expect(String((error as Error).message)).toContain('output could not be decoded');
  });

  it('a body that ends inside an event-stream frame ends the stream with an error event, not a silent short answer', async () => {
    upstream.enqueueStream({ messages: converseTextStream(['Once', ' upon']), truncateBytes: 10 });
    const stream = await client.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'tell a story' }], stream: true });
    const { chunks, error } = await drain(stream);
    expect(textOf(chunks)).toBe('Once upon');
    expect(error).toMatchObject({ code: 'stream_interrupted' });
  });

  it('embeds through InvokeModel on Titan: one signed call per input, vectors in input order, Titan’s token counts summed', async () => {
    const answer = await client.embeddings.create({ model: 'titan-embed', input: ['hello', 'big world'], dimensions: 256, encoding_format: 'float' });
    expect(upstream.requests.map((request) => [request.path, request.body])).toEqual([
      ['/model/amazon.titan-embed-text-v2%3A0/invoke', { inputText: 'hello', dimensions: 256, normalize: true }],
      ['/model/amazon.titan-embed-text-v2%3A0/invoke', { inputText: 'big world', dimensions: 256, normalize: true }],
    ]);
    expect(upstream.refusals).toEqual([]);
    expect(answer.data.map((item) => item.embedding)).toEqual([
      [5, 104, 0.5],
      [9, 98, 0.5],
    ]);
    expect(answer.usage).toMatchObject({ prompt_tokens: 5, total_tokens: 5 });
  });

  it('serves the Anthropic Messages API over Bedrock: its settings and cache breakpoints reach Converse, cache reads are counted', async () => {
    const { key } = await harness.createKey('bedrock-messages');
    const anthropic = new Anthropic({ apiKey: key, baseURL: harness.url, maxRetries: 0 });
    upstream.enqueue(converseAnswer({ content: [{ text: 'Short answer.' }], usage: { inputTokens: 10, outputTokens: 3, totalTokens: 1013, cacheReadInputTokens: 1000, cacheWriteInputTokens: 0 } }));
    const message = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 128,
      system: [{ type: 'text', text: 'A long manual.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Question?' }],
    });
    expect(upstream.requests[0]?.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Question?' }] }],
      system: [{ text: 'A long manual.' }, { cachePoint: { type: 'default' } }],
      inferenceConfig: { maxTokens: 128 },
    });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Short answer.' }], stop_reason: 'end_turn' });
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 1000 });
  });
});
