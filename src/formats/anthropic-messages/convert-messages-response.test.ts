import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../../providers/chat-completion-schemas.ts';
import { convertAnthropicResponse } from '../../providers/anthropic/convert-anthropic-response.ts';
import { anthropicMessagesRequestSchema } from '../../providers/anthropic/anthropic-wire-schemas.ts';
import { convertToAnthropicRequest } from '../../providers/anthropic/convert-to-anthropic-request.ts';
import { testSettings } from '../../providers/anthropic/__fixtures__/build-anthropic-request.ts';
import { convertMessagesRequest } from './convert-messages-request.ts';
import { convertToMessage } from './convert-messages-response.ts';
import { messageSchema } from './message-response-schemas.ts';
import { messagesRequestSchema } from './messages-schemas.ts';

/** Anthropic Messages as its API reference shows them, recorded beside the Anthropic adapter. */
function anthropicFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../providers/anthropic/__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const input = { model: 'claude-sonnet-4-5', requestId: 'req_0123abcd' };

function completion(message: Record<string, unknown>, finishReason: string | null, usage?: Record<string, unknown>): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1748779200,
    model: 'gpt-4.1',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finishReason, logprobs: null }],
    ...(usage ? { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, ...usage } } : {}),
  };
}

describe('convertToMessage', () => {
  it('turns a text answer into a Message with the requested model and a msg_ id', () => {
    const message = convertToMessage(completion({ content: 'Hi! My name is Claude.' }, 'stop', { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 }), input);
    expect(message).toEqual({
      id: 'msg_0123abcd',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(messageSchema.safeParse(message).success).toBe(true);
  });

  it('puts reasoning first as a thinking block, then text, then each tool call as tool_use', () => {
    const message = convertToMessage(
      completion(
        {
          content: 'Checking both.',
          reasoning_content: 'Two cities, two calls.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        'tool_calls',
      ),
      input,
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Two cities, two calls.', signature: '' },
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('gives Claude’s thinking_blocks back block by block, signatures and redacted blocks included, rather than the reasoning text', () => {
    const thinkingBlocks = [
      { type: 'thinking', thinking: 'Two cities.', signature: 'EqQBCgIYAhIM' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
    ];
    const message = convertToMessage(completion({ content: 'Checking.', reasoning_content: 'Two cities.', thinking_blocks: thinkingBlocks }, 'stop'), input);
    expect(message.content).toEqual([...thinkingBlocks, { type: 'text', text: 'Checking.' }]);
    expect(messageSchema.safeParse(message).success).toBe(true);
  });

  it('gives the reasoning text, unsigned, when thinking_blocks are of another shape', () => {
    const message = convertToMessage(completion({ content: 'x', reasoning_content: 'Hm.', thinking_blocks: [{ type: 'thinking', thinking: 'Hm.' }] }, 'stop'), input);
    expect(message.content[0]).toEqual({ type: 'thinking', thinking: 'Hm.', signature: '' });
  });

  it('gives malformed tool arguments as {} and says so', () => {
    const warnings: string[] = [];
    const message = convertToMessage(completion({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, 'tool_calls'), { ...input, warnings });
    expect(message.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'f', input: {} }]);
    expect(warnings).toEqual(['choices[0].message.tool_calls[0].function.arguments are not a JSON object; the tool_use input was sent as {}']);
  });

  it.each([
    ['stop', undefined, 'end_turn'],
    ['length', undefined, 'max_tokens'],
    ['tool_calls', undefined, 'tool_use'],
    ['content_filter', undefined, 'refusal'],
    [null, undefined, 'end_turn'],
    ['something_new', undefined, 'end_turn'],
    // From an Anthropic provider, its own reason comes back as it was.
    ['stop', 'stop_sequence', 'stop_sequence'],
    ['length', 'model_context_window_exceeded', 'model_context_window_exceeded'],
    // Another provider's native reason is not Anthropic's.
    ['length', 'MAX_TOKENS', 'max_tokens'],
  ])('maps finish_reason %s (native %s) to %s', (finishReason, native, expected) => {
    const chat = completion({ content: 'x' }, finishReason);
    const choice = chat.choices[0];
    if (choice && native) choice['native_finish_reason'] = native;
    expect(convertToMessage(chat, input).stop_reason).toBe(expected);
  });

  it('answers a refusal as text with stop_reason refusal', () => {
    const message = convertToMessage(completion({ refusal: 'I can’t help with that.' }, 'content_filter'), input);
    expect(message).toMatchObject({ content: [{ type: 'text', text: 'I can’t help with that.' }], stop_reason: 'refusal' });
  });

  it('takes input_tokens net of cached tokens from the completion usage', () => {
    const message = convertToMessage(completion({ content: 'x' }, 'stop', { prompt_tokens: 1000, completion_tokens: 5, total_tokens: 1005, prompt_tokens_details: { cached_tokens: 900 } }), input);
    expect(message.usage).toEqual({ input_tokens: 100, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 900 });
  });
});

describe('round trip through the Anthropic adapter', () => {
  it.each(['message', 'message-tool-use', 'message-prompt-caching', 'message-thinking-tool-use'])('gives back the content, stop reason and usage of %s', (name) => {
    const original = anthropicFixture(name);
    const { completion: chat, usage } = convertAnthropicResponse({ provider: 'claude', body: original });
    const message = convertToMessage(chat, { model: String(original['model']), requestId: 'req_1', usage });
    const originalUsage = original['usage'] as Record<string, number>;
    expect(message).toMatchObject({ content: original['content'], stop_reason: original['stop_reason'], stop_sequence: null, model: original['model'] });
    expect(message.usage).toEqual({
      input_tokens: originalUsage['input_tokens'],
      output_tokens: originalUsage['output_tokens'],
      cache_creation_input_tokens: originalUsage['cache_creation_input_tokens'] ?? 0,
      cache_read_input_tokens: originalUsage['cache_read_input_tokens'] ?? 0,
    });
  });

  it('gives back a thinking block with its signature', () => {
    const original = {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Let me analyze this step by step...', signature: 'WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve' },
        { type: 'text', text: 'Based on my analysis...' },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 50, output_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    const { completion: chat, usage } = convertAnthropicResponse({ provider: 'claude', body: original });
    const message = convertToMessage(chat, { model: 'claude-sonnet-4-5', requestId: 'req_1', usage });
    expect(message.content).toEqual(original.content);
    expect(messageSchema.safeParse(message).success).toBe(true);
    // The reason survives; which sequence matched does not.
    expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: null });
  });

  it('sends the follow-up of a tool-use turn with thinking (Anthropic’s example) to Anthropic as the client sent it', () => {
    const followUp = anthropicFixture('request-thinking-tool-result');
    const converted = convertMessagesRequest(messagesRequestSchema.parse(followUp));
    if (!converted.ok) throw new Error(converted.message);
    expect(converted.warnings).toEqual([]);
    const wire = convertToAnthropicRequest({ request: converted.request, upstreamModel: 'claude-sonnet-4-5', config: testSettings, requestId: 'req_1' });
    const body = anthropicMessagesRequestSchema.parse(wire.body);
    const [question, ...rest] = followUp['messages'] as Array<{ role: string; content: unknown }>;
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: question?.content }] }, ...rest]);
    expect(body).toMatchObject({ thinking: followUp['thinking'], tools: followUp['tools'], max_tokens: followUp['max_tokens'] });
  });
});
