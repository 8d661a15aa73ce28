import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertGeminiResponse } from './convert-gemini-response.ts';
import { createGeminiStreamTranslator } from './convert-gemini-stream.ts';
import { convertToGeminiRequest, convertToGeminiStreamRequest } from './convert-to-gemini-request.ts';
import { parseGeminiError } from '../gemini-error.ts';
import { googleWireFormat } from '../index.ts';
import { convertGeminiEmbeddingsResponse } from '../embeddings/convert-gemini-embeddings-response.ts';
import { convertToGeminiEmbeddingsRequest } from '../embeddings/convert-to-gemini-embeddings-request.ts';

/** Bodies in the shape of Google's API reference, recorded in `__fixtures__/`. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const convert = (body: unknown) => convertGeminiResponse({ provider: 'gemini', body, upstreamModel: 'gemini-2.5-flash', requestId: 'req_abc' });

function candidateWith(finishReason: string, parts: unknown[] = [{ text: 'partial' }]) {
  return { candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }] };
}

describe('googleWireFormat', () => {
  it('wires the Gemini converters together', () => {
    expect(googleWireFormat).toEqual({
      type: 'google',
      embeddings: { maxInputsPerCall: 100, buildRequest: convertToGeminiEmbeddingsRequest, parseResponse: convertGeminiEmbeddingsResponse },
      buildChatRequest: convertToGeminiRequest,
      parseChatResponse: convertGeminiResponse,
      parseError: parseGeminiError,
      buildStreamRequest: convertToGeminiStreamRequest,
      createStreamTranslator: createGeminiStreamTranslator,
    });
  });
});

describe('convertGeminiResponse', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2025-10-01T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('turns a text candidate into a chat.completion, thinking tokens counted as completion tokens', () => {
    const result = convert(fixture('generate-content-text'));
    expect(result.completion).toEqual({
      id: 'mJ3aaOCYDaSmz7IPm9XhmAk',
      object: 'chat.completion',
      created: 1759320000,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'AI learns patterns from examples, then uses them to make predictions about new data.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 539,
        total_tokens: 547,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 522 },
      },
    });
    expect(result.usage).toEqual({ promptTokens: 8, completionTokens: 539, totalTokens: 547 });
    expect(result.warnings).toBeUndefined();
  });

  it('turns function calls into tool_calls with unique ids, JSON arguments and the thought signature', () => {
    const result = convert(fixture('generate-content-function-call'));
    expect(result.completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: 'call_Q7jaaKmRGLSe1MkPl-y6gQg_0',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
              extra_content: { google: { thought_signature: 'CiQBVKhc7oWqzb2Mmm4w1tbyuGJ9Xf1Uo3wUk7TGhPnb7X5gH0wKXwFUqFzu' } },
            },
            {
              id: 'call_Q7jaaKmRGLSe1MkPl-y6gQg_1',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
            },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(result.completion.model).toBe('gemini-3-flash-preview');
    expect(result.usage).toEqual({ promptTokens: 74, completionTokens: 141, totalTokens: 215 });
  });

  it('keeps Gemini’s own function call id, and falls back to the request id without a responseId', () => {
    const { responseId: _responseId, ...body } = fixture('generate-content-function-call');
    const candidates = (body['candidates'] as Array<{ content: { parts: Array<Record<string, unknown>> } }>)[0]!;
    candidates.content.parts[1] = { functionCall: { id: 'fc-7', name: 'f', args: {} } };
    const result = convert(body);
    expect(result.completion.id).toBe('chatcmpl-req_abc');
    expect(result.completion.choices[0]?.message.tool_calls?.map((call) => call.id)).toEqual(['call_req_abc_0', 'fc-7']);
  });

  it('maps several candidates to choices, with logprobs, cached tokens and each finish reason', () => {
    const result = convert(fixture('generate-content-candidates'));
    expect(result.completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([
      [0, '{"label": "spam"}', 'stop'],
      [1, '{"label": "spam", "conf', 'length'],
    ]);
    expect(result.completion.choices[0]?.logprobs).toEqual({
      content: [
        {
          token: '{"',
          logprob: 0,
          bytes: [123, 34],
          top_logprobs: [
            { token: '{"', logprob: 0, bytes: [123, 34] },
            { token: '{', logprob: -9.84, bytes: [123] },
          ],
        },
        {
          token: 'label',
          logprob: -0.0012,
          bytes: [108, 97, 98, 101, 108],
          top_logprobs: [
            { token: 'label', logprob: -0.0012, bytes: [108, 97, 98, 101, 108] },
            { token: 'category', logprob: -6.73, bytes: [99, 97, 116, 101, 103, 111, 114, 121] },
          ],
        },
      ],
      refusal: null,
    });
    expect(result.completion.choices[1]?.logprobs).toBeNull();
    expect(result.usage).toEqual({ promptTokens: 2150, completionTokens: 16, totalTokens: 2166, cachedPromptTokens: 2048 });
    expect(result.completion.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it('answers a blocked prompt as one content_filter choice with the reason as refusal, usage kept', () => {
    const result = convert(fixture('generate-content-prompt-blocked'));
    expect(result.completion.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, refusal: 'Gemini blocked the prompt (PROHIBITED_CONTENT)' }, logprobs: null, finish_reason: 'content_filter' },
    ]);
    expect(result.usage).toEqual({ promptTokens: 11, completionTokens: 0, totalTokens: 11 });
  });

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['LANGUAGE', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'stop'],
    ['UNEXPECTED_TOOL_CALL', 'stop'],
    ['OTHER', 'stop'],
    ['FINISH_REASON_UNSPECIFIED', 'stop'],
    ['SOMETHING_NEW', 'stop'],
  ])('maps finishReason %s to %s', (finishReason, expected) => {
    expect(convert(candidateWith(finishReason)).completion.choices[0]?.finish_reason).toBe(expected);
  });

  it('finishes with tool_calls whenever function calls are present, unless output was cut or filtered', () => {
    const call = [{ functionCall: { name: 'f', args: {} } }];
    expect(convert(candidateWith('STOP', call)).completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(convert(candidateWith('OTHER', call)).completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(convert(candidateWith('MAX_TOKENS', call)).completion.choices[0]?.finish_reason).toBe('length');
    expect(convert(candidateWith('SAFETY', call)).completion.choices[0]?.finish_reason).toBe('content_filter');
  });

  it('leaves thought summaries out of the content and a candidate without content null', () => {
    const thoughts = convert(candidateWith('STOP', [{ text: 'Thinking about it…', thought: true }, { text: 'Answer.' }]));
    expect(thoughts.completion.choices[0]?.message.content).toBe('Answer.');
    const empty = convert({ candidates: [{ finishReason: 'SAFETY', index: 0 }] });
    expect(empty.completion.choices[0]?.message.content).toBeNull();
    expect(empty.completion.model).toBe('gemini-2.5-flash');
  });

  it('marks the usage as estimated when Gemini sends no usageMetadata', () => {
    const result = convert(candidateWith('STOP'));
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: true });
    expect(result.completion).not.toHaveProperty('usage');
  });

  it.each([
    ['a body that is not an object', 'OK', ''],
    ['candidates that are not a list', { candidates: {} }, 'candidates: '],
    ['negative token counts', { ...candidateWith('STOP'), usageMetadata: { promptTokenCount: -1 } }, 'usageMetadata.promptTokenCount: '],
    ['no candidates and no block reason', { usageMetadata: { promptTokenCount: 1 } }, 'no candidates'],
  ])('throws a non-retryable invalid_provider_response for %s', (_what, body, detail) => {
    let thrown: unknown;
    try {
      convert(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect(thrown).toMatchObject({ provider: 'gemini', status: 502, code: 'invalid_provider_response', retryable: false });
    expect((thrown as Error).message).toContain(detail);
  });
});
