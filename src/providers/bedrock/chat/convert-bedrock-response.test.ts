import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../errors/provider-error.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';
import { convertBedrockResponse } from './convert-bedrock-response.ts';

/** Bodies in the shape of the Converse API reference and user guide examples, recorded in `__fixtures__/`. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const now = () => Date.parse('2025-06-01T12:00:00.500Z');
const convert = (body: unknown) => convertBedrockResponse({ provider: 'aws', body, upstreamModel: 'amazon.nova-pro-v1:0', requestId: 'req_1' }, now);

describe('convertBedrockResponse', () => {
  it('turns a Converse answer into a chat.completion with the request id, the route model and usage', () => {
    const result = convert(fixture('converse-response'));
    expect(result.completion).toEqual({
      id: 'chatcmpl-req_1',
      object: 'chat.completion',
      created: 1748779200,
      model: 'amazon.nova-pro-v1:0',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content:
              'Here is a list of 3 pop songs by artists from the United Kingdom:\n\n1. "Wannabe" by Spice Girls\n2. "Bitter Sweet Symphony" by The Verve\n3. "Don\'t Look Back in Anger" by Oasis',
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'stop',
          native_finish_reason: 'end_turn',
        },
      ],
      usage: { prompt_tokens: 125, completion_tokens: 60, total_tokens: 185, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(result.usage).toEqual({ promptTokens: 125, completionTokens: 60, totalTokens: 185 });
    expect(result.warnings).toBeUndefined();
  });

  it('turns toolUse blocks into tool_calls beside the text, finish_reason tool_calls', () => {
    const { completion } = convert(fixture('converse-tool-use'));
    expect(completion.choices[0]).toMatchObject({
      message: {
        content: 'To find the most popular song on WZPZ, I will use the top_song tool.',
        tool_calls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } }],
      },
      finish_reason: 'tool_calls',
      native_finish_reason: 'tool_use',
    });
  });

  it('returns reasoning as reasoning_content and signed thinking_blocks (redacted ones too)', () => {
    const { completion } = convert(fixture('converse-reasoning'));
    expect(completion.choices[0]?.message).toMatchObject({
      content: '27 + 15 = 42.',
      reasoning_content: 'The user asks for the sum of 27 and 15. 27 + 15 = 42.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'The user asks for the sum of 27 and 15. 27 + 15 = 42.', signature: expect.stringMatching(/^ErcBCkgIAhAB/) },
        { type: 'redacted_thinking', data: 'RXJyb3JSZWRhY3RlZFRoaW5raW5nQmxvY2s=' },
      ],
    });
  });

  it('counts prompt-cache reads into prompt_tokens and as cached tokens', () => {
    const result = convert(fixture('converse-prompt-caching'));
    expect(result.usage).toEqual({ promptTokens: 2135, completionTokens: 40, totalTokens: 2175, cachedPromptTokens: 2123 });
    expect(result.completion.usage).toMatchObject({ prompt_tokens: 2135, total_tokens: 2175, prompt_tokens_details: { cached_tokens: 2123 } });
  });

  it.each([
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['model_context_window_exceeded', 'length'],
  ])('maps stopReason %s to finish_reason %s', (stopReason, finish) => {
    const { completion } = convert({ ...fixture('converse-response'), stopReason });
    expect(completion.choices[0]).toMatchObject({ finish_reason: finish, native_finish_reason: stopReason });
  });

  it('reports an unknown stop reason as stop, with a warning', () => {
    const result = convert({ ...fixture('converse-response'), stopReason: 'a_new_reason' });
    expect(result.completion.choices[0]?.finish_reason).toBe('stop');
    expect(result.warnings).toEqual(['Bedrock\'s stopReason "a_new_reason" is unknown to the gateway and was reported as finish_reason "stop"']);
  });

  it('estimates usage when Bedrock reports none', () => {
    const { usage: _usage, ...body } = fixture('converse-response');
    expect(convert(body).usage).toMatchObject({ estimated: true });
  });

  it('refuses a body that is not a Converse answer with a 502', () => {
    const error = thrownBy(() => convert({ message: 'not converse' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, code: 'invalid_provider_response', retryable: false });
  });
});
