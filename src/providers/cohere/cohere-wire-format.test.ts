import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../embeddings-schemas.ts';
import { readWireEvents } from '../../../test/support/openai-wire-server.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';
import { cohereProviderSchema } from '../../config/provider-config.ts';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { cohereWireFormat, createCohereProviderClient } from './index.ts';

const text = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const fixture = (name: string) => JSON.parse(text(name)) as unknown;
const config = { apiKey: 'co-key', headers: {}, embedInputType: 'search_document' };
const build = (body: Record<string, unknown>) =>
  cohereWireFormat.buildChatRequest({
    request: chatCompletionRequestSchema.parse({ model: 'client', messages: [{ role: 'user', content: 'Hi' }], ...body }),
    upstreamModel: 'command-a-03-2025',
    config,
    requestId: 'r',
  });

function streamOf(name: string) {
  const translator = cohereWireFormat.createStreamTranslator({ provider: 'co', upstreamModel: 'command-a-03-2025', requestId: 'r', created: 1 });
  const chunks = readWireEvents(text(name)).flatMap((event) => translator.push(event));
  return { translator, chunks };
}

describe('cohereWireFormat: requests', () => {
  it('posts /v2/chat with a Bearer key; OpenAI settings renamed to Cohere’s', () => {
    const wire = build({ max_completion_tokens: 50, temperature: 0.3, top_p: 0.8, top_k: 40, stop: 'END', seed: 7, frequency_penalty: 0.2, presence_penalty: 0.1 });
    expect(wire.path).toBe('/v2/chat');
    expect(wire.headers['authorization']).toBe('Bearer co-key');
    expect(wire.body).toEqual({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 50,
      temperature: 0.3,
      p: 0.8,
      k: 40,
      stop_sequences: ['END'],
      seed: 7,
      frequency_penalty: 0.2,
      presence_penalty: 0.1,
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('clamps values outside Cohere’s ranges and drops what it lacks, a warning each', () => {
    const wire = build({ top_p: 1, presence_penalty: -0.5, n: 2, logprobs: true, logit_bias: { '1': 2 }, user: 'u' });
    expect(wire.body).toMatchObject({ p: 0.99, presence_penalty: 0 });
    expect(wire.warnings).toEqual([
      'top_p: Cohere takes "p" from 0.01 to 0.99; 1 was sent as 0.99',
      'presence_penalty: Cohere takes "presence_penalty" from 0 to 1; -0.5 was sent as 0',
      'n: Cohere returns one choice; n = 2 was not sent',
      'logit_bias: not supported by Cohere; dropped',
      'logprobs: not supported by Cohere; dropped',
      'user: not supported by Cohere; dropped',
    ]);
  });

  it('carries system, images, tool calls with their plan, and tool results; tools and tool_choice', () => {
    const wire = build({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
        { role: 'assistant', content: null, tool_plan: 'Look it up.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '{"temp":21}' }] },
      ],
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'other' } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    expect(wire.body).toEqual({
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
        { role: 'assistant', tool_plan: 'Look it up.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } }],
      tool_choice: 'REQUIRED',
      response_format: { type: 'json_object', json_schema: { type: 'object' } },
    });
    expect(build({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' }).body).toMatchObject({ tool_choice: 'NONE' });
  });

  it('refuses content Cohere cannot carry (audio) with a 400', () => {
    const error = thrownBy(() => build({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }));
    expect(error).toMatchObject({ status: 400, param: 'messages[0].content[0]', retryable: false });
  });

  it('streams with "stream": true', () => {
    const wire = cohereWireFormat.buildStreamRequest({
      request: chatCompletionRequestSchema.parse({ model: 'c', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      upstreamModel: 'command-r7b-12-2024',
      config,
      requestId: 'r',
    });
    expect(wire.body).toEqual({ model: 'command-r7b-12-2024', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    expect(wire.headers['accept']).toBe('text/event-stream');
  });
});

describe('cohereWireFormat: answers', () => {
  it('reads a recorded chat response; usage is the billed units', () => {
    const result = cohereWireFormat.parseChatResponse({ provider: 'co', body: fixture('chat-response.json'), upstreamModel: 'command-a-03-2025', requestId: 'r' });
    expect(result.completion).toMatchObject({ id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4', model: 'command-a-03-2025', choices: [{ finish_reason: 'stop', native_finish_reason: 'COMPLETE' }] });
    expect(result.completion.choices[0]?.message.content).toMatch(/^LLMs stand for/);
    expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 24, totalTokens: 29 });
  });

  it('reads a tool call, its plan kept on the message', () => {
    const { completion } = cohereWireFormat.parseChatResponse({ provider: 'co', body: fixture('chat-tool-call.json'), upstreamModel: 'command-a-03-2025', requestId: 'r' });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_plan: 'I will look up the weather in Toronto.',
        tool_calls: [{ id: 'get_weather_1byjy32y4hvq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }],
      },
    });
  });

  it('a generation that ended in ERROR is a retryable failure', () => {
    const error = thrownBy(() =>
      cohereWireFormat.parseChatResponse({ provider: 'co', body: { id: 'x', finish_reason: 'ERROR', message: { role: 'assistant', content: [] } }, upstreamModel: 'm', requestId: 'r' }),
    );
    expect(error).toMatchObject({ status: 502, retryable: true });
  });

  it('streams a recorded text answer as chunks, with the usage of message-end', () => {
    const { translator, chunks } = streamOf('stream-text.sse');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? null).join('')).toBe('Hello! How can I help you today?');
    expect(chunks[0]).toMatchObject({ id: '29f14a5a-11de-4cae-9800-25e4747408ea', choices: [{ delta: { role: 'assistant' } }] });
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ finish_reason: 'stop', native_finish_reason: 'COMPLETE' });
    expect(translator.done).toBe(true);
    expect(translator.usage()).toEqual({ promptTokens: 3, completionTokens: 9, totalTokens: 12 });
  });

  it('streams a recorded tool call: start with id and name, then argument fragments at its index', () => {
    const { chunks } = streamOf('stream-tool-call.sse');
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: 'get_weather_nsz5zm3w56q3', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(calls.map((call) => call.function?.arguments ?? '').join('')).toBe('{\n    "location": "Toronto"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('maps errors: 429 and 5xx retried, 400 not, 498 as the gateway’s credential', () => {
    expect(cohereWireFormat.parseError({ provider: 'co', status: 429, headers: { 'retry-after': '2' }, body: fixture('error-429-too-many-requests.json') })).toMatchObject({
      status: 429,
      code: 'too_many_requests',
      retryable: true,
      retryAfterMs: 2000,
    });
    const bad = cohereWireFormat.parseError({ provider: 'co', status: 400, headers: {}, body: fixture('error-400-bad-request.json') });
    expect(bad).toMatchObject({ status: 400, code: 'bad_request', retryable: false });
    expect(bad.message).toMatch(/^invalid request: message must be/);
    expect(cohereWireFormat.parseError({ provider: 'co', status: 503, headers: {}, body: { message: 'unavailable' } })).toMatchObject({ retryable: true });
    expect(cohereWireFormat.parseError({ provider: 'co', status: 498, headers: {}, body: { message: 'invalid api token' } })).toMatchObject({ status: 401, retryable: false });
  });
});

describe('cohereWireFormat: embeddings', () => {
  const embeddings = cohereWireFormat.embeddings!;

  it('posts /v2/embed with texts, the configured input_type, float embeddings and output_dimension', () => {
    const wire = embeddings.buildRequest({
      request: embeddingsRequestSchema.parse({ model: 'm', input: ['hello', 'goodbye'], dimensions: 512, user: 'u' }),
      upstreamModel: 'embed-v4.0',
      config,
      requestId: 'r',
    });
    expect(wire.path).toBe('/v2/embed');
    expect(wire.body).toEqual({ model: 'embed-v4.0', texts: ['hello', 'goodbye'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 512 });
    expect(wire.warnings).toEqual(['user: not supported by Cohere embed; dropped']);
    expect(embeddings.maxInputsPerCall).toBe(96);
    expect(thrownBy(() => embeddings.buildRequest({ request: embeddingsRequestSchema.parse({ model: 'm', input: [[1, 2]] }), upstreamModel: 'embed-v4.0', config, requestId: 'r' }))).toMatchObject({
      status: 400,
    });
  });

  it('reads a recorded embed answer, usage from meta.billed_units', () => {
    const result = embeddings.parseResponse({
      provider: 'co',
      body: fixture('embed.json'),
      request: embeddingsRequestSchema.parse({ model: 'm', input: ['hello', 'goodbye'] }),
      upstreamModel: 'embed-v4.0',
    });
    expect(result.vectors.data.map((item) => item.embedding[0])).toEqual([0.016296387, -0.02331543]);
    expect(result.usage).toEqual({ promptTokens: 2, completionTokens: 0, totalTokens: 2 });
  });
});

describe('createCohereProviderClient', () => {
  it('refuses to start without an API key; defaults to api.cohere.com and search_document', async () => {
    expect(() => createCohereProviderClient('co', cohereProviderSchema.parse({ type: 'cohere' }))).toThrow(ConfigurationError);
    expect(() => createCohereProviderClient('co', cohereProviderSchema.parse({ type: 'cohere' }))).toThrow('providers.co.apiKey: Cohere needs an API key');
    const config = cohereProviderSchema.parse({ type: 'cohere', apiKey: 'k' });
    expect(config).toMatchObject({ baseUrl: 'https://api.cohere.com', embedInputType: 'search_document' });
    const client = createCohereProviderClient('co', config);
    expect(client.server).toEqual({ address: 'api.cohere.com', port: 443 });
    await client.close();
  });
});
