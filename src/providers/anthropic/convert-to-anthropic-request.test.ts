import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../chat-completion-schemas.ts';
import { parseAnthropicError } from './anthropic-error.ts';
import { convertAnthropicResponse } from './convert-anthropic-response.ts';
import { convertToAnthropicRequest, convertToAnthropicStreamRequest } from './convert-to-anthropic-request.ts';
import { anthropicWireFormat } from './index.ts';
import { buildAnthropicRequest as build, providerErrorThrownBy as thrownBy, testSettings as config, text, user } from './__fixtures__/build-anthropic-request.ts';

describe('anthropicWireFormat', () => {
  it('wires the Anthropic converters together', () => {
    expect(anthropicWireFormat.type).toBe('anthropic');
    expect(anthropicWireFormat.buildChatRequest).toBe(convertToAnthropicRequest);
    expect(anthropicWireFormat.parseError).toBe(parseAnthropicError);
    expect(anthropicWireFormat.parseChatResponse).toBe(convertAnthropicResponse);
  });
});

describe('convertToAnthropicRequest: plain text', () => {
  it('posts to /messages with x-api-key, anthropic-version, JSON, extra headers, and the default max_tokens', () => {
    const wire = build({ messages: [user('Hello')] }, { headers: { 'anthropic-beta': 'token-efficient-tools-2025-02-19' } });
    expect(wire).toEqual({
      path: '/messages',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'token-efficient-tools-2025-02-19',
        'x-api-key': 'sk-ant-secret',
      },
      body: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: [text('Hello')] }] },
    });
  });

  it.each([undefined, ''])('sends no x-api-key when the apiKey is %j, and the configured version', (apiKey) => {
    const wire = build({ messages: [user('Hi')] }, { apiKey, anthropicVersion: '2024-01-01' });
    expect(wire.headers).not.toHaveProperty('x-api-key');
    expect(wire.headers['anthropic-version']).toBe('2024-01-01');
  });

  it.each([
    [{ max_completion_tokens: 100, max_tokens: 200 }, 100],
    [{ max_tokens: 200 }, 200],
    [{}, 777],
  ])('takes max_tokens from %j', (fields, expected) => {
    expect(build({ messages: [user('Hi')], ...fields }, { defaultMaxTokens: 777 }).body).toMatchObject({ max_tokens: expected });
  });

  it('does not modify the client request', () => {
    const request = chatCompletionRequestSchema.parse({ model: 'claude', messages: [user('a'), user('b')], stop: 'x' });
    const before = structuredClone(request);
    convertToAnthropicRequest({ request, upstreamModel: 'm', config, requestId: 'r' });
    expect(request).toEqual(before);
  });
});

describe('convertToAnthropicRequest: system prompt', () => {
  it('lifts system and developer messages to the top-level system, joined, text parts included', () => {
    const wire = build({
      messages: [{ role: 'system', content: 'You are terse.' }, { role: 'developer', content: [text('Answer in French.'), text('Never apologise.')] }, user('Hello')],
    });
    expect(wire.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'You are terse.\n\nAnswer in French.\n\nNever apologise.',
      messages: [{ role: 'user', content: [text('Hello')] }],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('warns when a system message comes after the conversation started', () => {
    const wire = build({ messages: [user('Hi'), { role: 'system', content: 'Be brief.' }, user('Again')] });
    expect(wire.body).toMatchObject({ system: 'Be brief.', messages: [{ role: 'user', content: [text('Hi'), text('Again')] }] });
    expect(wire.warnings).toEqual(["messages[1]: a system message after the conversation started was moved to Anthropic's top-level system prompt"]);
  });

  it('sends system text blocks when a part carries a cache_control breakpoint', () => {
    const wire = build({
      messages: [{ role: 'system', content: [text('Rules.'), { type: 'text', text: 'A long manual…', cache_control: { type: 'ephemeral' } }] }, user('Q')],
    });
    expect(wire.body).toMatchObject({ system: [text('Rules.'), { type: 'text', text: 'A long manual…', cache_control: { type: 'ephemeral' } }] });
  });
});

describe('convertToAnthropicRequest: multi-turn', () => {
  it('merges consecutive same-role messages into one turn and skips empty ones', () => {
    const wire = build({
      messages: [
        user('First.'),
        user([text('Second.'), text('')]),
        { role: 'assistant', content: 'One.' },
        { role: 'assistant', content: null },
        { role: 'assistant', content: [text('Two.')] },
        user('Third.'),
      ],
    });
    expect((wire.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [text('First.'), text('Second.')] },
      { role: 'assistant', content: [text('One.'), text('Two.')] },
      { role: 'user', content: [text('Third.')] },
    ]);
  });

  it('warns that message names are dropped', () => {
    const wire = build({
      messages: [
        { role: 'system', content: 'Rules.', name: 'ops' },
        { role: 'user', content: 'Hi', name: 'ada' },
      ],
    });
    expect(wire.body).toMatchObject({ system: 'Rules.', messages: [{ role: 'user', content: [text('Hi')] }] });
    expect(wire.warnings).toEqual(['messages[0].name is not supported by Anthropic and was dropped', 'messages[1].name is not supported by Anthropic and was dropped']);
  });

  it('replays an earlier refusal as assistant text', () => {
    const wire = build({ messages: [user('x'), { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, user('y')] });
    expect((wire.body as { messages: unknown[] }).messages[1]).toEqual({ role: 'assistant', content: [text('I cannot help with that.')] });
  });

  it('refuses the deprecated function role', () => {
    const error = thrownBy(() => build({ messages: [user('x'), { role: 'function', name: 'f', content: '1' }] }));
    expect(error).toMatchObject({ status: 400, param: 'messages[1].role', retryable: false });
  });
});

describe('convertToAnthropicRequest: sampling and metadata', () => {
  it('sends temperature, top_p, stop sequences and the end user id', () => {
    const wire = build({ messages: [user('Hi')], temperature: 0.4, top_p: 0.9, stop: ['END', '###'], user: 'user-42' });
    expect(wire.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [text('Hi')] }],
      temperature: 0.4,
      top_p: 0.9,
      stop_sequences: ['END', '###'],
      metadata: { user_id: 'user-42' },
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('takes a single stop string and the safety_identifier as the user id', () => {
    expect(build({ messages: [user('Hi')], stop: 'END', safety_identifier: 'hash-1' }).body).toMatchObject({ stop_sequences: ['END'], metadata: { user_id: 'hash-1' } });
  });

  it('clamps a temperature above 1 to 1, with a warning', () => {
    const wire = build({ messages: [user('Hi')], temperature: 1.6 });
    expect(wire.body).toMatchObject({ temperature: 1 });
    expect(wire.warnings).toEqual(["temperature 1.6 was clamped to 1, the top of Anthropic's range (0–1)"]);
  });

  it("passes Anthropic's own top_k and thinking through", () => {
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    expect(build({ messages: [user('Hi')], top_k: 40, thinking }).body).toMatchObject({ top_k: 40, thinking });
  });
});

describe('convertToAnthropicRequest: betas', () => {
  const betas = ['interleaved-thinking-2025-05-14', 'token-efficient-tools-2025-02-19'];

  it('sends the client’s betas (its anthropic-beta header, from the Messages API) as anthropic-beta, and no body field', () => {
    const wire = build({ messages: [user('Hi')], anthropic: { betas } });
    expect(wire.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,token-efficient-tools-2025-02-19');
    expect(wire.body).not.toHaveProperty('betas');
    expect(wire.warnings).toBeUndefined();
  });

  it('sends no betas that are not beta names, with a warning', () => {
    const wire = build({ messages: [user('Hi')], anthropic: { betas: ['files-api-2025-04-14', 'x\r\ninjected: 1'] } }, { headers: { 'anthropic-beta': 'configured-1' } });
    expect(wire.headers['anthropic-beta']).toBe('configured-1');
    expect(wire.warnings).toEqual(['anthropic.betas must be a list of beta names (letters, digits, ".", "_", "-") and were not sent']);
  });

  it('merges them with the configured anthropic-beta, whatever its case, each beta once', () => {
    const wire = build({ messages: [user('Hi')], anthropic: { betas } }, { headers: { 'Anthropic-Beta': 'token-efficient-tools-2025-02-19, files-api-2025-04-14', 'x-team': 'a' } });
    expect(wire.headers).toMatchObject({ 'anthropic-beta': 'token-efficient-tools-2025-02-19,files-api-2025-04-14,interleaved-thinking-2025-05-14', 'x-team': 'a' });
    expect(wire.headers).not.toHaveProperty('Anthropic-Beta');
    expect(
      convertToAnthropicStreamRequest({ request: chatCompletionRequestSchema.parse({ model: 'claude', messages: [user('Hi')], anthropic: { betas } }), upstreamModel: 'm', config, requestId: 'r' })
        .headers,
    ).toMatchObject({
      'anthropic-beta': betas.join(','),
      accept: 'text/event-stream',
    });
  });
});

describe('convertToAnthropicRequest: settings Anthropic cannot honour', () => {
  it('drops each with a warning', () => {
    const wire = build({
      messages: [user('Hi')],
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      seed: 7,
      store: true,
      reasoning_effort: 'low',
    });
    expect(wire.body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: [text('Hi')] }] });
    // One warning per field, in the (schema-defined) order the parsed request holds them.
    expect([...(wire.warnings ?? [])].sort()).toEqual(
      ['frequency_penalty', 'logit_bias', 'logprobs', 'presence_penalty', 'reasoning_effort', 'seed', 'store', 'top_logprobs'].map((field) => `${field} is not supported by Anthropic and was dropped`),
    );
  });

  it('stays quiet about settings at their defaults', () => {
    const wire = build({
      messages: [user('Hi')],
      n: 1,
      logprobs: false,
      logit_bias: {},
      presence_penalty: 0,
      frequency_penalty: 0,
      seed: null,
      stream: false,
      stream_options: null,
      parallel_tool_calls: true,
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('refuses n > 1 with a 400 rather than answering one choice', () => {
    const error = thrownBy(() => build({ messages: [user('Hi')], n: 3 }));
    expect(error).toMatchObject({
      provider: 'anthropic',
      status: 400,
      type: 'invalid_request_error',
      code: 'unsupported_parameter',
      param: 'n',
      retryable: false,
      message: 'n = 3 is not supported by Anthropic, which returns one choice per request; send 3 requests instead.',
    });
  });
});
