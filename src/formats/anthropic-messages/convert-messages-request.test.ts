import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { anthropicBetasOf, convertMessagesRequest, reasoningEffortFor } from './convert-messages-request.ts';
import { tokenCountingFor } from '../../tokens/token-families.ts';
import { countMessageTokens } from './count-tokens.ts';
import { messagesRequestSchema } from './messages-schemas.ts';

/** Parses the body as the route will, then converts it; the converted request must satisfy the chat schema. */
function convert(body: unknown): ReturnType<typeof convertMessagesRequest> {
  const result = convertMessagesRequest(messagesRequestSchema.parse(body));
  if (result.ok) expect(chatCompletionRequestSchema.safeParse(result.request).success).toBe(true);
  return result;
}

function converted(body: unknown): { request: ChatCompletionRequest; warnings: string[] } {
  const result = convert(body);
  if (!result.ok) throw new Error(`refused: ${result.param}: ${result.message}`);
  return result;
}

const base = { model: 'claude-sonnet-4-5', max_tokens: 1024 };

describe('messagesRequestSchema', () => {
  it('refuses a request without max_tokens, saying what is missing', () => {
    const parsed = messagesRequestSchema.safeParse({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['max_tokens'], message: expect.stringContaining('max_tokens is required') });
  });

  it('refuses block types the gateway cannot carry', () => {
    const parsed = messagesRequestSchema.safeParse({ ...base, messages: [{ role: 'user', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] }] });
    expect(parsed.success).toBe(false);
  });
});

describe('convertMessagesRequest', () => {
  it('converts a plain text conversation with a system prompt, lone texts as string content', () => {
    const body = {
      ...base,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hello, Claude' }] },
        { role: 'assistant', content: 'Hi.' },
        { role: 'user', content: 'Name a colour.' },
      ],
    } satisfies MessageCreateParamsNonStreaming;
    expect(convert(body)).toEqual({
      ok: true,
      request: {
        model: 'claude-sonnet-4-5',
        max_completion_tokens: 1024,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Hello, Claude' },
          { role: 'assistant', content: 'Hi.' },
          { role: 'user', content: 'Name a colour.' },
        ],
      },
      warnings: [],
    });
  });

  it('keeps system text blocks, and text cache_control where the Anthropic adapter reads it', () => {
    const { request, warnings } = converted({
      ...base,
      system: [
        { type: 'text', text: 'You answer questions about the novel.' },
        { type: 'text', text: '<the whole novel>', cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Who is Elizabeth?', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    });
    expect(request.messages).toEqual([
      {
        role: 'system',
        content: [
          { type: 'text', text: 'You answer questions about the novel.' },
          { type: 'text', text: '<the whole novel>', cache_control: { type: 'ephemeral' } },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Who is Elizabeth?', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
    ]);
    expect(warnings).toEqual([]);
  });

  it('turns images into image_url parts: base64 as a data URL, a URL as it is', () => {
    const { request } = converted({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/ant.jpg' } },
            { type: 'text', text: 'Compare these.' },
          ],
        },
      ],
    } satisfies MessageCreateParamsNonStreaming);
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/ant.jpg' } },
          { type: 'text', text: 'Compare these.' },
        ],
      },
    ]);
  });

  it('carries a base64 PDF as a file part and a text document as text; refuses a document by URL', () => {
    const { request, warnings } = converted({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' }, title: 'report.pdf', citations: { enabled: true } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The grass is green.' } },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    expect(request.messages[0]?.content).toEqual([
      { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQ=' } },
      { type: 'text', text: 'The grass is green.' },
      { type: 'text', text: 'Summarise.' },
    ]);
    expect(warnings).toEqual(['messages[0].content[0].citations: document citations are not supported by the gateway and were not enabled']);

    const refused = convert({ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }] });
    expect(refused).toMatchObject({ ok: false, param: 'messages[0].content[0].source.type', message: expect.stringContaining('inline only') });
  });

  it('turns a tool_use / tool_result round into tool_calls and tool messages, results first and in order', () => {
    const body = {
      ...base,
      tools: [
        {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      ],
      messages: [
        { role: 'user', content: 'Weather in Paris and London?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check both.' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { location: 'Paris' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: { location: 'London' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Also, be brief.' },
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: '15 degrees' },
            { type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: 'Station offline' }], is_error: true },
          ],
        },
      ],
    } satisfies MessageCreateParamsNonStreaming;
    const { request, warnings } = converted(body);
    expect(request.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      },
    ]);
    expect(request.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and London?' },
      {
        role: 'assistant',
        content: 'Let me check both.',
        tool_calls: [
          { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'toolu_01B', type: 'function', function: { name: 'get_weather', arguments: '{"location":"London"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A', content: '15 degrees' },
      { role: 'tool', tool_call_id: 'toolu_01B', content: 'Error: Station offline' },
      { role: 'user', content: 'Also, be brief.' },
    ]);
    expect(warnings).toEqual(['messages[2].content[2].is_error: the internal format has no error flag; the tool result was prefixed with "Error: " instead']);
  });

  it('refuses a tool_result that answers no earlier tool_use', () => {
    const result = convert({
      ...base,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_99Z', content: 'late' }] },
      ],
    });
    expect(result).toEqual({ ok: false, param: 'messages[2].content[0].tool_use_id', message: expect.stringContaining('toolu_99Z') });
  });

  it.each([
    [{ type: 'auto' }, { tool_choice: 'auto' }],
    [{ type: 'any' }, { tool_choice: 'required' }],
    [{ type: 'tool', name: 'get_weather' }, { tool_choice: { type: 'function', function: { name: 'get_weather' } } }],
    [{ type: 'none' }, { tool_choice: 'none' }],
    [
      { type: 'auto', disable_parallel_tool_use: true },
      { tool_choice: 'auto', parallel_tool_calls: false },
    ],
    [
      { type: 'any', disable_parallel_tool_use: true },
      { tool_choice: 'required', parallel_tool_calls: false },
    ],
  ])('maps tool_choice %j', (toolChoice, expected) => {
    const { request } = converted({
      ...base,
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      tool_choice: toolChoice,
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    expect({ tool_choice: request.tool_choice, ...(request.parallel_tool_calls === undefined ? {} : { parallel_tool_calls: request.parallel_tool_calls }) }).toEqual(expected);
  });

  it('refuses Anthropic server tools', () => {
    const result = convert({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }], messages: [{ role: 'user', content: 'News?' }] });
    expect(result).toMatchObject({ ok: false, param: 'tools[0].type', message: expect.stringContaining('web_search_20250305') });
  });

  it('maps sampling settings, stop_sequences, metadata and stream; keeps top_k for an Anthropic provider', () => {
    const { request, warnings } = converted({
      ...base,
      messages: [{ role: 'user', content: 'Count.' }],
      stop_sequences: ['\n\nHuman:', 'END'],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' },
      stream: true,
    });
    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      max_completion_tokens: 1024,
      messages: [{ role: 'user', content: 'Count.' }],
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      anthropic: { top_k: 40 },
      stop: ['\n\nHuman:', 'END'],
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
    });
    expect(warnings).toEqual([]);
  });

  it('refuses more stop sequences than the internal format holds', () => {
    expect(convert({ ...base, messages: [{ role: 'user', content: 'x' }], stop_sequences: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({ ok: false, param: 'stop_sequences' });
  });

  it('keeps thinking for an Anthropic provider and sets reasoning_effort from its budget', () => {
    const { request } = converted({ ...base, max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 16_000 }, messages: [{ role: 'user', content: 'Prove it.' }] });
    expect(request).toMatchObject({ anthropic: { thinking: { type: 'enabled', budget_tokens: 16_000 } }, reasoning_effort: 'high' });
    expect(request).not.toHaveProperty('thinking');
    expect(reasoningEffortFor({ type: 'enabled', budget_tokens: 15_999 })).toBe('medium');
    expect(reasoningEffortFor({ type: 'enabled', budget_tokens: 4_000 })).toBe('medium');
    expect(reasoningEffortFor({ type: 'enabled', budget_tokens: 1_024 })).toBe('low');
    expect(reasoningEffortFor({ type: 'disabled' })).toBeUndefined();
    const disabled = converted({ ...base, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'Hi' }] }).request;
    expect(disabled['anthropic']).toEqual({ thinking: { type: 'disabled' } });
    expect(disabled['reasoning_effort']).toBeUndefined();
  });

  it('carries thinking history as the assistant message’s thinking_blocks, in order, without a warning', () => {
    const { request, warnings } = converted({
      ...base,
      messages: [
        { role: 'user', content: 'What is 2 + 2?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Simple arithmetic.', signature: 'EqQBCgIYAhIM' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'text', text: '4' },
          ],
        },
        { role: 'user', content: 'And 3 + 3?' },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: '4',
      thinking_blocks: [
        { type: 'thinking', thinking: 'Simple arithmetic.', signature: 'EqQBCgIYAhIM' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
      ],
    });
    expect(warnings).toEqual([]);
  });

  it('drops an assistant turn holding only thinking, with a warning', () => {
    const { request, warnings } = converted({
      ...base,
      messages: [
        { role: 'user', content: 'Think.' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hm…', signature: 'EqQBCgIYAhIM' }] },
        { role: 'user', content: 'Well?' },
      ],
    });
    expect(request.messages.map((message) => message.role)).toEqual(['user', 'user']);
    expect(warnings).toEqual(['messages[1]: an assistant turn holding only thinking was dropped; the gateway carries thinking with the text or tool calls of its turn']);
  });

  it('puts the betas of the anthropic-beta header under anthropic, each once, a repeated header included', () => {
    const body = messagesRequestSchema.parse({ ...base, messages: [{ role: 'user', content: 'Hi' }], top_k: 5 });
    const result = convertMessagesRequest(body, { anthropicBeta: 'interleaved-thinking-2025-05-14, token-efficient-tools-2025-02-19' });
    expect(result).toMatchObject({ ok: true, request: { anthropic: { top_k: 5, betas: ['interleaved-thinking-2025-05-14', 'token-efficient-tools-2025-02-19'] } } });
    expect(anthropicBetasOf(['a-1,b-2', ' b-2 ', '', 'c-3'])).toEqual(['a-1', 'b-2', 'c-3']);
    expect(anthropicBetasOf(undefined)).toEqual([]);
    expect(convertMessagesRequest(body, { anthropicBeta: ' , ' })).toMatchObject({ ok: true, request: { anthropic: { top_k: 5 } } });
    expect(converted({ ...base, messages: [{ role: 'user', content: 'Hi' }] }).request).not.toHaveProperty('anthropic');
  });

  it('warns about cache_control it cannot carry and every field it does not know', () => {
    const { warnings } = converted({
      ...base,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' }, cache_control: { type: 'ephemeral' } }] }],
      service_tier: 'standard_only',
      container: 'container_1',
      metadata: { user_id: 'u', team: 'x' },
    });
    expect(warnings).toEqual([
      'messages[0].content[0].cache_control: prompt-caching breakpoints on images are not carried and were dropped',
      'metadata.team is not supported by the gateway and was dropped',
      'service_tier is not carried by the gateway and was dropped; the provider uses its default tier',
      'container is not supported by the gateway and was dropped',
    ]);
  });
});

describe('countMessageTokens', () => {
  const counting = tokenCountingFor('claude-sonnet-4-5');

  it('counts the prompt with the family factor, tools included', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const } }];
    const content = 'The quick brown fox jumps over the lazy dog.';
    const plain = countMessageTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content }] }, counting);
    const withTools = countMessageTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content }], tools }, counting);
    // o200k: "user" 1 + the sentence 10 = 11 text tokens × 1.3 → 15, + 3 per message + 3 priming.
    expect(plain).toEqual({ ok: true, input_tokens: 21 });
    expect(withTools.ok && plain.ok && withTools.input_tokens > plain.input_tokens).toBe(true);
  });

  it('refuses what a call would refuse', () => {
    expect(countMessageTokens({ model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] }] }, counting)).toMatchObject({ ok: false });
  });
});
