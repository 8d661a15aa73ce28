import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, StreamTranslator, WireEvent } from '../../chat-stream.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertGeminiResponse } from './convert-gemini-response.ts';
import { createGeminiStreamTranslator } from './convert-gemini-stream.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

/** A recorded `streamGenerateContent?alt=sse` body, exactly as sent (CRLF-framed) by Gemini. */
function fixture(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}.sse`, import.meta.url), 'utf8');
}

function wireEvents(body: string): WireEvent[] {
  const events: WireEvent[] = [];
  const parser = createParser({ onEvent: (event) => events.push({ event: event.event, data: event.data }) });
  parser.feed(body);
  return events;
}

const input = { provider: 'gemini', upstreamModel: 'gemini-2.5-flash', requestId: 'req_abc', created: 1759320000 };

function translator(): StreamTranslator {
  return createGeminiStreamTranslator(input);
}

/** Feeds every event of a body; returns the chunks each event produced and `done` after each. */
function run(body: string, stream = translator()) {
  const steps = wireEvents(body).map((event) => ({ chunks: stream.push(event), done: stream.done }));
  return { stream, steps, chunks: steps.flatMap((step) => step.chunks) };
}

const event = (data: unknown): WireEvent => ({ data: JSON.stringify(data) });

function chunk(id: string, model: string, index: number, delta: Record<string, unknown>, finishReason: string | null = null): ChatCompletionChunk {
  return { id, object: 'chat.completion.chunk', created: 1759320000, model, choices: [{ index, delta, finish_reason: finishReason }] };
}

function contentOf(chunks: ChatCompletionChunk[], index = 0): string {
  return chunks
    .flatMap((c) => c.choices)
    .filter((choice) => choice.index === index)
    .map((choice) => choice.delta.content ?? '')
    .join('');
}

describe('createGeminiStreamTranslator', () => {
  it('streams a text answer over three events: role first, text deltas, finish last, usage from the last event', () => {
    const id = 'mJ3aaOCYDaSmz7IPm9XhmAk';
    const { stream, steps, chunks } = run(fixture('stream-text'));
    expect(steps.map((step) => step.done)).toEqual([false, false, true]);
    expect(chunks).toEqual([
      chunk(id, 'gemini-2.5-flash', 0, { role: 'assistant', content: '' }),
      chunk(id, 'gemini-2.5-flash', 0, { content: 'AI learns patterns from examples, ' }),
      chunk(id, 'gemini-2.5-flash', 0, { content: 'then uses them to make predictions' }),
      chunk(id, 'gemini-2.5-flash', 0, { content: ' about new data.' }),
      chunk(id, 'gemini-2.5-flash', 0, {}, 'stop'),
    ]);
    expect(stream.usage()).toEqual({ promptTokens: 8, completionTokens: 539, totalTokens: 547 });
  });

  it('reassembles the same answer and usage the non-streamed call gives', () => {
    const { stream, chunks } = run(fixture('stream-text'));
    const whole = convertGeminiResponse({
      provider: 'gemini',
      body: JSON.parse(readFileSync(new URL('../__fixtures__/generate-content-text.json', import.meta.url), 'utf8')) as unknown,
      upstreamModel: 'gemini-2.5-flash',
      requestId: 'req_abc',
    });
    expect(contentOf(chunks)).toBe(whole.completion.choices[0]?.message.content);
    expect(chunks[0]?.id).toBe(whole.completion.id);
    expect(stream.usage()).toEqual(whole.usage);
  });

  it('reads LF-framed events exactly like Gemini’s CRLF framing', () => {
    const crlf = fixture('stream-text');
    expect(crlf).toContain('\r\n\r\n');
    expect(run(crlf.replaceAll('\r\n', '\n')).chunks).toEqual(run(crlf).chunks);
  });

  it('streams each whole function call as one tool call delta with the non-streamed id, name and JSON arguments', () => {
    const id = 'Q7jaaKmRGLSe1MkPl-y6gQg';
    const { stream, steps, chunks } = run(fixture('stream-function-call'));
    expect(steps.map((step) => step.done)).toEqual([false, true]);
    expect(chunks).toEqual([
      chunk(id, 'gemini-3-flash-preview', 0, { role: 'assistant', content: '' }),
      chunk(id, 'gemini-3-flash-preview', 0, {
        tool_calls: [
          {
            index: 0,
            id: 'call_Q7jaaKmRGLSe1MkPl-y6gQg_0',
            type: 'function',
            function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
            extra_content: { google: { thought_signature: 'CiQBVKhc7oWqzb2Mmm4w1tbyuGJ9Xf1Uo3wUk7TGhPnb7X5gH0wKXwFUqFzu' } },
          },
        ],
      }),
      chunk(id, 'gemini-3-flash-preview', 0, {
        tool_calls: [
          {
            index: 1,
            id: 'call_Q7jaaKmRGLSe1MkPl-y6gQg_1',
            type: 'function',
            function: { name: 'get_current_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
          },
        ],
      }),
      chunk(id, 'gemini-3-flash-preview', 0, {}, 'tool_calls'),
    ]);
    expect(stream.usage()).toEqual({ promptTokens: 74, completionTokens: 141, totalTokens: 215 });

    // What a client assembles: per tool call index, the name and the concatenated argument fragments.
    const calls = new Map<number, { name: string; arguments: string }>();
    for (const toolCall of chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])) {
      const call = calls.get(toolCall.index) ?? { name: '', arguments: '' };
      calls.set(toolCall.index, { name: call.name + (toolCall.function?.name ?? ''), arguments: call.arguments + (toolCall.function?.arguments ?? '') });
    }
    expect([...calls.values()].map((call) => [call.name, JSON.parse(call.arguments) as unknown])).toEqual([
      ['get_current_weather', { location: 'Boston, MA' }],
      ['get_current_weather', { location: 'Paris, France', unit: 'celsius' }],
    ]);
  });

  it('keeps Gemini’s own call id and, without responseId or modelVersion, falls back to the request id and upstream model', () => {
    const stream = translator();
    const chunks = stream.push(
      event({ candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f' } }, { functionCall: { id: 'fc-7', name: 'g', args: { a: 1 } } }] }, finishReason: 'STOP' }] }),
    );
    expect(chunks.map((c) => [c.id, c.model])).toEqual(Array.from({ length: 4 }, () => ['chatcmpl-req_abc', 'gemini-2.5-flash']));
    expect(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])).toEqual([
      { index: 0, id: 'call_req_abc_0', type: 'function', function: { name: 'f', arguments: '{}' } },
      { index: 1, id: 'fc-7', type: 'function', function: { name: 'g', arguments: '{"a":1}' } },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(stream.usage()).toBeUndefined();
  });

  it('streams two candidates as two choices, done only once both have finished', () => {
    const id = 'jT3baP6tB4GqjMcPq9-VsQ4';
    const { stream, steps, chunks } = run(fixture('stream-candidates'));
    expect(steps.map((step) => step.done)).toEqual([false, false, true]);
    expect(chunks).toEqual([
      chunk(id, 'gemini-2.5-flash', 0, { role: 'assistant', content: '' }),
      chunk(id, 'gemini-2.5-flash', 0, { content: 'Roses are red,' }),
      chunk(id, 'gemini-2.5-flash', 1, { role: 'assistant', content: '' }),
      chunk(id, 'gemini-2.5-flash', 1, { content: 'The sky is' }),
      chunk(id, 'gemini-2.5-flash', 0, { content: ' violets are blue.' }),
      chunk(id, 'gemini-2.5-flash', 0, {}, 'stop'),
      chunk(id, 'gemini-2.5-flash', 1, { content: ' wide' }),
      chunk(id, 'gemini-2.5-flash', 1, { content: ' and' }),
      chunk(id, 'gemini-2.5-flash', 1, {}, 'length'),
    ]);
    expect([contentOf(chunks, 0), contentOf(chunks, 1)]).toEqual(['Roses are red, violets are blue.', 'The sky is wide and']);
    expect(stream.usage()).toEqual({ promptTokens: 9, completionTokens: 16, totalTokens: 25 });
  });

  it('finishes a candidate Gemini stopped for SAFETY with content_filter', () => {
    const id = 'xF3baLWJEKGn1MkP7vKc8A0';
    const { stream, chunks } = run(fixture('stream-safety'));
    expect(chunks).toEqual([
      chunk(id, 'gemini-2.5-flash', 0, { role: 'assistant', content: '' }),
      chunk(id, 'gemini-2.5-flash', 0, { content: 'Here is how the process works. First,' }),
      chunk(id, 'gemini-2.5-flash', 0, {}, 'content_filter'),
    ]);
    expect(stream.done).toBe(true);
    expect(stream.usage()).toEqual({ promptTokens: 12, completionTokens: 9, totalTokens: 21 });
  });

  it('answers a blocked prompt as the non-streamed call does: a refusal finishing with content_filter, usage kept', () => {
    const id = '3WbbaJ2uLJ6s1MkP5-W5sAw';
    const { stream, chunks } = run(fixture('stream-prompt-blocked'));
    expect(chunks).toEqual([
      chunk(id, 'gemini-2.5-flash', 0, { role: 'assistant', content: '' }),
      chunk(id, 'gemini-2.5-flash', 0, { refusal: 'Gemini blocked the prompt (PROHIBITED_CONTENT)' }),
      chunk(id, 'gemini-2.5-flash', 0, {}, 'content_filter'),
    ]);
    expect(stream.done).toBe(true);
    expect(stream.usage()).toEqual({ promptTokens: 11, completionTokens: 0, totalTokens: 11 });
  });

  it('skips thought summaries and signature-only empty text, but opens the choice on the first event', () => {
    const stream = translator();
    const parts = (list: unknown[], finishReason?: string) => event({ candidates: [{ content: { role: 'model', parts: list }, index: 0, ...(finishReason ? { finishReason } : {}) }] });
    expect(stream.push(parts([{ text: '**Thinking**', thought: true }]))).toEqual([chunk('chatcmpl-req_abc', 'gemini-2.5-flash', 0, { role: 'assistant', content: '' })]);
    expect(stream.push(parts([{ text: 'Answer.' }, { text: 'more thinking', thought: true }]))).toEqual([chunk('chatcmpl-req_abc', 'gemini-2.5-flash', 0, { content: 'Answer.' })]);
    expect(stream.push(parts([{ text: '', thoughtSignature: 'AY89a18i' }], 'STOP'))).toEqual([chunk('chatcmpl-req_abc', 'gemini-2.5-flash', 0, {}, 'stop')]);
    expect(stream.done).toBe(true);
  });

  it('ignores anything sent for a candidate after its finishReason, and keeps a trailing usage-only event', () => {
    const stream = translator();
    stream.push(event({ candidates: [{ content: { parts: [{ text: 'Hi' }] }, finishReason: 'STOP', index: 0 }] }));
    expect(stream.push(event({ candidates: [{ content: { parts: [{ text: 'late' }] }, finishReason: 'STOP', index: 0 }] }))).toEqual([]);
    expect(stream.push(event({ usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 } }))).toEqual([]);
    expect(stream.done).toBe(true);
    expect(stream.usage()).toEqual({ promptTokens: 3, completionTokens: 1, totalTokens: 4 });
  });

  it('carries logprobs on the content delta when Gemini sends them', () => {
    const stream = translator();
    const chunks = stream.push(
      event({
        candidates: [
          {
            content: { parts: [{ text: 'Hi' }] },
            index: 0,
            logprobsResult: { chosenCandidates: [{ token: 'Hi', logProbability: -0.5 }], topCandidates: [{ candidates: [{ token: 'Hi', logProbability: -0.5 }] }] },
          },
        ],
      }),
    );
    expect(chunks[1]?.choices[0]).toEqual({
      index: 0,
      delta: { content: 'Hi' },
      finish_reason: null,
      logprobs: { content: [{ token: 'Hi', logprob: -0.5, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.5, bytes: [72, 105] }] }], refusal: null },
    });
  });

  it('is not done before any candidate arrived', () => {
    const stream = translator();
    expect(stream.done).toBe(false);
    expect(stream.usage()).toBeUndefined();
  });

  it('throws the error object Gemini sends mid-stream as a retryable 503 UNAVAILABLE, after the text before it', () => {
    const stream = translator();
    const [first, second, failure] = wireEvents(fixture('stream-error-mid-stream'));
    expect(contentOf([...stream.push(first!), ...stream.push(second!)])).toBe('Warsaw, located in central Poland on the Vistula River, is');
    const error = thrownBy(() => stream.push(failure!));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'gemini', status: 503, code: 'UNAVAILABLE', retryable: true, message: 'The model is overloaded. Please try again later.' });
    expect(stream.done).toBe(false);
  });

  it.each([
    [
      { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }] } },
      { status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true, retryAfterMs: 7000 },
    ],
    [{ error: { code: 400, message: 'Bad part', status: 'INVALID_ARGUMENT' } }, { status: 400, code: 'INVALID_ARGUMENT', retryable: false }],
    [{ error: { message: 'Internal error encountered.', status: 'INTERNAL' } }, { status: 500, code: 'INTERNAL', retryable: true }],
  ])('maps a streamed error object %j like the same HTTP error body', (body, expected) => {
    const error = thrownBy(() => translator().push(event(body)));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'gemini', ...expected });
  });

  it.each([
    ['data that is not JSON', '{"candidates": [', 'not JSON'],
    ['an OpenAI-style end marker', '[DONE]', 'not JSON'],
    ['a JSON value that is not an object', '"OK"', ''],
    ['candidates that are not a list', '{"candidates": {}}', 'candidates: '],
    ['negative token counts', '{"usageMetadata": {"promptTokenCount": -1}}', 'usageMetadata.promptTokenCount: '],
    ['an error object not in Google’s shape', '{"error": "boom"}', 'error object'],
  ])('throws a non-retryable invalid_provider_response for %s', (_what, data, detail) => {
    const error = thrownBy(() => translator().push({ data }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'gemini', status: 502, code: 'invalid_provider_response', retryable: false });
    expect((error as Error).message).toContain(detail);
  });
});
