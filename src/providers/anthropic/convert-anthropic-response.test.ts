import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../errors/provider-error.ts';
import { convertAnthropicResponse } from './convert-anthropic-response.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';

/** Bodies in the shape of Anthropic's API reference examples, recorded in `__fixtures__/`. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const now = () => Date.parse('2025-06-01T12:00:00.500Z');
const convert = (body: unknown) => convertAnthropicResponse({ provider: 'anthropic', body }, now);

describe('convertAnthropicResponse', () => {
  it('translates a text message into a chat.completion, keeping the msg_ id and the model', () => {
    const result = convert(fixture('message'));
    expect(result).toEqual({
      completion: {
        id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
        object: 'chat.completion',
        created: 1748779200,
        model: 'claude-sonnet-4-20250514',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
            native_finish_reason: 'end_turn',
          },
        ],
        usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598, prompt_tokens_details: { cached_tokens: 0 } },
      },
      usage: { promptTokens: 2095, completionTokens: 503, totalTokens: 2598 },
    });
  });

  it('translates tool_use blocks into tool_calls with JSON arguments', () => {
    const result = convert(fixture('message-tool-use'));
    expect(result.completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: "I'll check the current weather in San Francisco for you.",
          refusal: null,
          tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
        native_finish_reason: 'tool_use',
      },
    ]);
    expect(result.usage).toEqual({ promptTokens: 478, completionTokens: 71, totalTokens: 549 });
    expect(result.warnings).toBeUndefined();
  });

  it('counts cache reads and writes into prompt_tokens and reports each apart', () => {
    const result = convert(fixture('message-prompt-caching'));
    // 21 uncached + 188 written to the cache + 188,086 read from it
    expect(result.usage).toEqual({ promptTokens: 188295, completionTokens: 393, totalTokens: 188688, cachedPromptTokens: 188086, cacheCreationTokens: 188 });
    expect(result.completion.usage).toEqual({
      prompt_tokens: 188295,
      completion_tokens: 393,
      total_tokens: 188688,
      prompt_tokens_details: { cached_tokens: 188086 },
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
  ])('maps stop_reason %s to finish_reason %s and keeps the raw reason', (stopReason, finishReason) => {
    const result = convert({ ...fixture('message'), stop_reason: stopReason });
    expect(result.completion.choices[0]).toMatchObject({ finish_reason: finishReason, native_finish_reason: stopReason });
    expect(result.warnings).toBeUndefined();
  });

  it('maps a null stop_reason to stop', () => {
    expect(convert({ ...fixture('message'), stop_reason: null }).completion.choices[0]).toMatchObject({ finish_reason: 'stop', native_finish_reason: null });
  });

  it('maps an unknown stop_reason to stop, keeping it raw and warning', () => {
    const result = convert({ ...fixture('message'), stop_reason: 'compaction' });
    expect(result.completion.choices[0]).toMatchObject({ finish_reason: 'stop', native_finish_reason: 'compaction' });
    expect(result.warnings).toEqual(['Anthropic\'s stop_reason "compaction" is unknown to the gateway and was reported as finish_reason "stop"']);
  });

  it('answers null content when there is no text, joins several text blocks, and returns thinking as reasoning_content and thinking_blocks', () => {
    expect(convert({ ...fixture('message'), content: [] }).completion.choices[0]?.message.content).toBeNull();
    const result = convert({
      ...fixture('message'),
      content: [
        { type: 'thinking', thinking: 'The user greets me.', signature: 'EqQBCgIYAhIM' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'text', text: 'Hello' },
        { type: 'text', text: ', world.' },
      ],
    });
    expect(result.completion.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'Hello, world.',
      refusal: null,
      reasoning_content: 'The user greets me.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'The user greets me.', signature: 'EqQBCgIYAhIM' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
      ],
    });
    expect(result.warnings).toBeUndefined();
  });

  it('keeps the signed thinking of a tool-use answer (extended thinking with tools) block by block, to be sent back', () => {
    const original = fixture('message-thinking-tool-use');
    const [thinking] = original['content'] as Array<Record<string, unknown>>;
    const message = convert(original).completion.choices[0]?.message;
    expect(message).toEqual({
      role: 'assistant',
      content: 'I can help you get the current weather information for Paris. Let me check that for you',
      refusal: null,
      tool_calls: [{ id: 'toolu_01CswdEQBMshySk6Y9DFKrfq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      reasoning_content: thinking?.['thinking'],
      thinking_blocks: [thinking],
    });
  });

  it('joins the texts of several thinking blocks in reasoning_content and keeps a thinking block without signature out of thinking_blocks', () => {
    const message = convert({
      ...fixture('message'),
      content: [
        { type: 'thinking', thinking: 'First.', signature: 'sig-1', extra: 'not Anthropic’s' },
        { type: 'thinking', thinking: 'Unsigned.' },
        { type: 'text', text: 'Done.' },
      ],
    }).completion.choices[0]?.message;
    expect(message?.['reasoning_content']).toBe('First.\n\nUnsigned.');
    expect(message?.thinking_blocks).toEqual([{ type: 'thinking', thinking: 'First.', signature: 'sig-1' }]);
  });

  it('leaves out content blocks with no OpenAI counterpart, with a warning', () => {
    const result = convert({
      ...fixture('message'),
      content: [
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
        { type: 'text', text: 'Found it.' },
      ],
    });
    expect(result.completion.choices[0]?.message.content).toBe('Found it.');
    expect(result.warnings).toEqual(['a "server_tool_use" content block in Anthropic\'s answer has no OpenAI counterpart and was left out']);
  });

  it('marks the usage as estimated when Anthropic sends none (the client fills in the estimate)', () => {
    const { usage: _usage, ...body } = fixture('message');
    const result = convert(body);
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true });
    expect(result.completion).not.toHaveProperty('usage');
  });

  it.each([
    ['a wrong type', { type: 'completion' }, 'type'],
    ['a text block without text', { content: [{ type: 'text' }] }, 'content.0.text'],
    ['negative usage', { usage: { input_tokens: -1, output_tokens: 0 } }, 'usage.input_tokens'],
    ['missing content', { content: undefined }, 'content'],
  ])('throws a non-retryable invalid_provider_response for %s', (_what, change, path) => {
    const error = thrownBy(() => convert({ ...fixture('message'), ...change }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', status: 502, code: 'invalid_provider_response', retryable: false });
    expect((error as Error).message).toContain(`${path}: `);
  });
});
