import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertOpenAIResponse } from './convert-openai-response.ts';
import { OpenAIStreamTranslator } from './convert-openai-stream.ts';
import { convertToOpenAIRequest, convertToOpenAIStreamRequest } from './convert-to-openai-request.ts';
import { openaiWireFormat } from '../index.ts';
import { parseOpenAIError } from '../openai-error.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

/** Bodies as OpenAI's API reference documents them, recorded in `__fixtures__/`. */
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as unknown;
}

function request(body: Record<string, unknown>): ChatCompletionRequest {
  return chatCompletionRequestSchema.parse(body);
}

describe('openaiWireFormat', () => {
  it('wires the OpenAI converters together', () => {
    expect(openaiWireFormat.type).toBe('openai');
    expect(openaiWireFormat.buildChatRequest).toBe(convertToOpenAIRequest);
    expect(openaiWireFormat.parseChatResponse).toBe(convertOpenAIResponse);
    expect(openaiWireFormat.parseError).toBe(parseOpenAIError);
    expect(openaiWireFormat.buildStreamRequest).toBe(convertToOpenAIStreamRequest);
    expect(openaiWireFormat.createStreamTranslator({ provider: 'openai', upstreamModel: 'm', requestId: 'r', created: 1 })).toBeInstanceOf(OpenAIStreamTranslator);
  });
});

describe('convertToOpenAIRequest', () => {
  const clientBody = request({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello!' },
    ],
    temperature: 0.2,
    stream: false,
    stream_options: { include_usage: true },
    store: true,
    reasoning_effort: 'low',
    prediction: { type: 'content', content: 'x' },
  });

  it('posts to /chat/completions with JSON, Bearer auth, extra headers and the request id', () => {
    const wire = convertToOpenAIRequest({
      request: clientBody,
      upstreamModel: 'gpt-4o-mini-2024-07-18',
      config: { apiKey: 'sk-secret', headers: { 'OpenAI-Organization': 'org-123', 'OpenAI-Project': 'proj_1' } },
      requestId: 'req_abc',
    });
    expect(wire.path).toBe('/chat/completions');
    expect(wire.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-client-request-id': 'req_abc',
      'OpenAI-Organization': 'org-123',
      'OpenAI-Project': 'proj_1',
      authorization: 'Bearer sk-secret',
    });
  });

  it.each([undefined, ''])('sends no authorization header when the apiKey is %j', (apiKey) => {
    const wire = convertToOpenAIRequest({ request: clientBody, upstreamModel: 'm', config: { apiKey, headers: {} }, requestId: 'r' });
    expect(Object.keys(wire.headers).map((name) => name.toLowerCase())).not.toContain('authorization');
  });

  it('sends the client body with the upstream model, unknown fields kept and stream options dropped', () => {
    const wire = convertToOpenAIRequest({ request: clientBody, upstreamModel: 'gpt-4o-mini-2024-07-18', config: { headers: {} }, requestId: 'r' });
    expect(wire.body).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello!' },
      ],
      temperature: 0.2,
      store: true,
      reasoning_effort: 'low',
      prediction: { type: 'content', content: 'x' },
    });
    expect(wire.body).not.toHaveProperty('stream');
    expect(wire.body).not.toHaveProperty('stream_options');
  });

  it('does not modify the client request', () => {
    convertToOpenAIRequest({ request: clientBody, upstreamModel: 'other', config: { headers: {} }, requestId: 'r' });
    expect(clientBody.model).toBe('gpt-4o-mini');
    expect(clientBody.stream).toBe(false);
  });
});

describe('convertToOpenAIStreamRequest', () => {
  const hello = [{ role: 'user', content: 'Hello!' }];

  it('sends the chat request’s body, headers and path with stream: true and the usage chunk asked for', () => {
    const clientBody = request({ model: 'gpt-4o-mini', messages: hello, temperature: 0.2, store: true });
    const settings = { request: clientBody, upstreamModel: 'gpt-4o-mini-2024-07-18', config: { apiKey: 'sk-secret', headers: { 'OpenAI-Project': 'proj_1' } }, requestId: 'req_abc' };
    const chat = convertToOpenAIRequest(settings);
    const stream = convertToOpenAIStreamRequest(settings);
    expect(stream.path).toBe('/chat/completions');
    expect(stream.headers).toEqual(chat.headers);
    expect(stream.body).toEqual({ ...(chat.body as object), stream: true, stream_options: { include_usage: true } });
    expect(stream.warnings).toBeUndefined();
  });

  it.each([
    ['stream: false and no stream_options', { stream: false }, { include_usage: true }],
    ['include_usage: false (the gateway bills every call)', { stream: true, stream_options: { include_usage: false } }, { include_usage: true }],
    ['stream_options: null', { stream: true, stream_options: null }, { include_usage: true }],
    ['other stream options, kept', { stream: true, stream_options: { include_usage: false, include_obfuscation: false } }, { include_usage: true, include_obfuscation: false }],
  ])('always streams with usage, whatever the client sent: %s', (_what, fields, streamOptions) => {
    const wire = convertToOpenAIStreamRequest({ request: request({ model: 'm', messages: hello, ...fields }), upstreamModel: 'm', config: { headers: {} }, requestId: 'r' });
    expect(wire.body).toEqual({ model: 'm', messages: hello, stream: true, stream_options: streamOptions });
  });

  it('does not modify the client request', () => {
    const clientBody = request({ model: 'gpt-4o-mini', messages: hello, stream: true, stream_options: { include_usage: false } });
    convertToOpenAIStreamRequest({ request: clientBody, upstreamModel: 'other', config: { headers: {} }, requestId: 'r' });
    expect(clientBody.stream_options).toEqual({ include_usage: false });
    expect(clientBody.model).toBe('gpt-4o-mini');
  });
});

describe('convertOpenAIResponse', () => {
  it('parses a chat.completion into the completion and usage, unknown fields kept', () => {
    const body = fixture('chat-completion');
    const result = convertOpenAIResponse({ provider: 'openai', body });
    expect(result.usage).toEqual({ promptTokens: 19, completionTokens: 10, totalTokens: 29 });
    expect(result.completion.choices[0]?.message.content).toBe('Hello! How can I assist you today?');
    expect(result.completion.choices[0]?.finish_reason).toBe('stop');
    // Fields the gateway does not model reach the client untouched.
    expect(result.completion).toEqual(body);
    expect(result.completion['service_tier']).toBe('default');
    expect(result.completion.usage?.['prompt_tokens_details']).toEqual({ cached_tokens: 0, audio_tokens: 0 });
    expect(result.completion.usage?.['completion_tokens_details']).toEqual({
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    });
    expect(result.completion.choices[0]?.message['annotations']).toEqual([]);
  });

  it('parses a tool-call response with null content', () => {
    const body = fixture('chat-completion-tool-call');
    const result = convertOpenAIResponse({ provider: 'openai', body });
    const message = result.completion.choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.tool_calls).toEqual([{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } }]);
    expect(result.completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(result.usage).toEqual({ promptTokens: 82, completionTokens: 17, totalTokens: 99 });
  });

  it('marks the usage as estimated when the provider sends none (the client fills in the estimate)', () => {
    const { usage: _usage, ...body } = fixture('chat-completion') as Record<string, unknown>;
    expect(convertOpenAIResponse({ provider: 'openai', body }).usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true });
  });

  it.each([
    ['missing choices', (body: Record<string, unknown>) => ({ ...body, choices: undefined }), 'choices'],
    ['a wrong object type', (body: Record<string, unknown>) => ({ ...body, object: 'text_completion' }), 'object'],
    ['negative usage', (body: Record<string, unknown>) => ({ ...body, usage: { prompt_tokens: -1, completion_tokens: 0, total_tokens: 0 } }), 'usage.prompt_tokens'],
  ])('throws a non-retryable invalid_provider_response for %s', (_what, mutate, path) => {
    const body = mutate(fixture('chat-completion') as Record<string, unknown>);
    const error = thrownBy(() => convertOpenAIResponse({ provider: 'openai', body }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', code: 'invalid_provider_response', retryable: false, status: 502 });
    expect((error as Error).message).toContain(`${path}: `);
  });

  it('throws invalid_provider_response for a body that is not an object', () => {
    const error = thrownBy(() => convertOpenAIResponse({ provider: 'openai', body: 'OK' }));
    expect(error).toMatchObject({ code: 'invalid_provider_response', retryable: false });
  });
});

describe('parseOpenAIError', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['error-400-invalid-request', 400, { type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages', retryable: false }],
    ['error-401-invalid-api-key', 401, { type: 'invalid_request_error', code: 'invalid_api_key', param: undefined, retryable: false }],
    ['error-429-rate-limit', 429, { type: 'requests', code: 'rate_limit_exceeded', param: undefined, retryable: true }],
    ['error-500-server-error', 500, { type: 'server_error', code: undefined, param: undefined, retryable: true }],
  ])('maps %s (HTTP %i) onto a ProviderError keeping the body fields', (name, status, expected) => {
    const body = fixture(name) as { error: { message: string } };
    const error = parseOpenAIError({ provider: 'openai', status, headers: {}, body });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.provider).toBe('openai');
    expect(error.status).toBe(status);
    expect(error.message).toBe(body.error.message);
    expect(error.type).toBe(expected.type);
    expect(error.code).toBe(expected.code);
    expect(error.param).toBe(expected.param);
    expect(error.retryable).toBe(expected.retryable);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [422, false],
  ])('marks HTTP %i retryable: %s', (status, retryable) => {
    const body = { error: { message: 'm', type: 't', param: null, code: null } };
    expect(parseOpenAIError({ provider: 'p', status, headers: {}, body }).retryable).toBe(retryable);
  });

  it('keeps a numeric error code as a string', () => {
    const body = { error: { message: 'm', type: 'server_error', code: 500 } };
    expect(parseOpenAIError({ provider: 'p', status: 500, headers: {}, body }).code).toBe('500');
  });

  it('reads retry-after-ms in preference to retry-after', () => {
    const error = parseOpenAIError({ provider: 'p', status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '20' }, body: fixture('error-429-rate-limit') });
    expect(error.retryAfterMs).toBe(1500);
  });

  it('reads retry-after in seconds', () => {
    const error = parseOpenAIError({ provider: 'p', status: 429, headers: { 'retry-after': '20' }, body: fixture('error-429-rate-limit') });
    expect(error.retryAfterMs).toBe(20_000);
  });

  it('reads retry-after as an HTTP date, relative to now', () => {
    vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
    const error = parseOpenAIError({ provider: 'p', status: 503, headers: { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, body: fixture('error-500-server-error') });
    expect(error.retryAfterMs).toBe(30_000);
  });

  it('keeps a non-JSON error body as the message', () => {
    const error = parseOpenAIError({ provider: 'p', status: 502, headers: {}, body: '<html><body>502 Bad Gateway</body></html>' });
    expect(error.message).toBe('<html><body>502 Bad Gateway</body></html>');
    expect(error.status).toBe(502);
    expect(error.code).toBeUndefined();
    expect(error.retryable).toBe(true);
  });

  it('truncates a long text body to 500 characters', () => {
    const error = parseOpenAIError({ provider: 'p', status: 500, headers: {}, body: 'x'.repeat(2000) });
    expect(error.message).toBe('x'.repeat(500));
  });

  it('falls back to the HTTP status when there is no body, and keeps a vendor’s own JSON shape as text', () => {
    expect(parseOpenAIError({ provider: 'p', status: 503, headers: {}, body: '' }).message).toBe('HTTP 503');
    expect(parseOpenAIError({ provider: 'p', status: 404, headers: {}, body: { detail: 'Not Found' } }).message).toBe('{"detail":"Not Found"}');
  });
});
