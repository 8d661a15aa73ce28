import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readWireEvents } from '../../../../test/support/openai-wire-server.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';
import type { ChatCompletionChunk, StreamTranslatorInput, WireEvent } from '../../chat-stream.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { createOpenAIStreamTranslator, streamErrorStatus, type OpenAIStreamTranslator } from './convert-openai-stream.ts';

const input: StreamTranslatorInput = { provider: 'openai', upstreamModel: 'gpt-4o-mini', requestId: 'req_1', created: 1750000000 };

/** SSE bodies as OpenAI sends them on the wire, recorded in `__fixtures__/`. */
function fixture(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}.sse`, import.meta.url), 'utf8');
}

/** The JSON data lines of a fixture, as the provider sent them. */
function dataLines(text: string): Array<Record<string, unknown>> {
  return readWireEvents(text)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);
}

function translate(events: WireEvent[], translator: OpenAIStreamTranslator = createOpenAIStreamTranslator(input)): { chunks: ChatCompletionChunk[]; translator: OpenAIStreamTranslator } {
  return { chunks: events.flatMap((event) => translator.push(event)), translator };
}

function textOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}

/** Tool calls put together from their deltas, by index, as a client does. */
function toolCallsOf(chunks: ChatCompletionChunk[]): Array<{ id?: string; name?: string; arguments: string }> {
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const delta of chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))) {
    const call = (calls[delta.index] ??= { arguments: '' });
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name = delta.function.name;
    call.arguments += delta.function?.arguments ?? '';
  }
  return calls;
}

const data = (value: unknown): WireEvent => ({ data: JSON.stringify(value) });

describe('OpenAIStreamTranslator', () => {
  it('passes the documented stream through unchanged, complete at [DONE], with no usage', () => {
    const text = fixture('stream-chat-completion');
    const events = readWireEvents(text);
    const { chunks, translator } = translate(events.slice(0, -1));
    expect(translator.done).toBe(false);
    expect(translator.push(events.at(-1) as WireEvent)).toEqual([]);
    expect(translator.done).toBe(true);
    expect(translator.usage()).toBeUndefined();

    expect(chunks).toEqual(dataLines(text));
    expect(chunks[0]).toEqual({
      id: 'chatcmpl-C6I0P9G7T9NwAZH0Y9yOPkFUzbAvf',
      object: 'chat.completion.chunk',
      created: 1755615217,
      model: 'gpt-4.1-mini-2025-04-14',
      service_tier: 'default',
      system_fingerprint: 'fp_3f58d112f7',
      choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }],
      obfuscation: 'EqbeT',
    });
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    expect(textOf(chunks)).toBe('Hello! How can I assist you today?');
  });

  it('keeps the include_usage chunk back, strips usage: null from the others, and reports the usage with cached tokens', () => {
    const text = fixture('stream-include-usage');
    const { chunks, translator } = translate(readWireEvents(text));
    const sent = dataLines(text);
    expect(sent.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1117 } });
    expect(chunks).toEqual(sent.slice(0, -1).map(({ usage: _usage, ...chunk }) => chunk));
    expect(chunks.every((chunk) => !Object.hasOwn(chunk, 'usage'))).toBe(true);
    expect(textOf(chunks)).toBe('The capital of France is Paris.');
    expect(translator.usage()).toEqual({ promptTokens: 1117, completionTokens: 8, totalTokens: 1125, cachedPromptTokens: 1024 });
    expect(translator.done).toBe(true);
  });

  it('streams parallel tool calls (indices 0 and 1) whose arguments, put together, are the expected JSON', () => {
    const text = fixture('stream-parallel-tool-calls');
    const { chunks, translator } = translate(readWireEvents(text));
    expect(chunks).toHaveLength(dataLines(text).length - 1);
    expect(chunks[0]?.choices[0]?.delta).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: 'call_weather_sf', type: 'function', function: { name: 'get_weather', arguments: '' } }],
      refusal: null,
    });
    expect(chunks[1]?.choices[0]?.delta).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"' } }] });
    const calls = toolCallsOf(chunks);
    expect(calls.map(({ id, name }) => ({ id, name }))).toEqual([
      { id: 'call_weather_sf', name: 'get_weather' },
      { id: 'call_weather_tokyo', name: 'get_weather' },
    ]);
    expect(calls.map((call) => JSON.parse(call.arguments) as unknown)).toEqual([
      { city: 'San Francisco', unit: 'celsius' },
      { city: 'Tokyo', unit: 'celsius' },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(textOf(chunks)).toBe('');
    expect(translator.usage()).toEqual({ promptTokens: 80, completionTokens: 52, totalTokens: 132 });
    expect(translator.done).toBe(true);
  });

  it('throws an in-stream server error as a retryable 500, after the chunks before it went out', () => {
    const events = readWireEvents(fixture('stream-error'));
    const { chunks, translator } = translate(events.slice(0, -1));
    expect(textOf(chunks)).toBe('Once upon a time');
    const error = thrownBy(() => translator.push(events.at(-1) as WireEvent));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'openai',
      status: 500,
      type: 'server_error',
      retryable: true,
      message: 'The server had an error while processing your request. Sorry about that!',
    });
    expect(translator.done).toBe(false);
  });

  it.each([
    ['an invalid request (type)', { error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }, undefined, 400, false],
    ['vLLM’s numeric code', { error: { object: 'error', message: 'bad', type: 'BadRequestError', param: null, code: 400 } }, undefined, 400, false],
    ['a rate limit code', { error: { code: 429, message: 'Rate limit exceeded' } }, undefined, 429, true],
    ['LM Studio’s event: error', { error: { message: 'The number of tokens to keep is greater than the context length' }, message: 'x' }, 'error', 500, true],
  ])('reads %s as the matching HTTP error', (_what, body, event, status, retryable) => {
    const translator = createOpenAIStreamTranslator(input);
    const error = thrownBy(() => translator.push({ event, data: JSON.stringify(body) }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status, retryable });
  });

  it('reads a plain-text event: error as a retryable failure', () => {
    const error = thrownBy(() => createOpenAIStreamTranslator(input).push({ event: 'error', data: 'upstream overloaded' }));
    expect(error).toMatchObject({ name: 'ProviderError', status: 500, retryable: true, message: 'upstream overloaded' });
  });

  it.each([
    ['data that is not JSON', '{"id":"chatcmpl-1","choices":['],
    ['a JSON array', '[1,2]'],
    ['a chunk of another object type', JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: null }] })],
    [
      'a delta whose content is not a string',
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 5 }, finish_reason: null }] }),
    ],
    ['a tool call delta without index', JSON.stringify({ id: 'c', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '{}' } }] } }] })],
    ['a chunk without choices', JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm' })],
    ['usage without token counts', JSON.stringify({ id: 'c', choices: [], usage: { total_tokens: 'many' } })],
  ])('throws invalid_provider_response for %s', (_what, text) => {
    const error = thrownBy(() => createOpenAIStreamTranslator(input).push({ data: text }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', status: 502, code: 'invalid_provider_response', retryable: false });
  });

  it('fills in what compatible servers leave out (Mistral: no object or created, role null, usage on the last chunk)', () => {
    const { chunks, translator } = translate([
      data({ id: 'cmpl-e5cc70bb28c444948073e77776eb30ef', model: 'mistral-small-latest', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
      data({
        id: 'cmpl-e5cc70bb28c444948073e77776eb30ef',
        object: 'chat.completion.chunk',
        created: 1702256327,
        model: 'mistral-small-latest',
        choices: [{ index: 0, delta: { role: null, content: 'Bonjour' }, finish_reason: null }],
      }),
      data({
        id: 'cmpl-e5cc70bb28c444948073e77776eb30ef',
        object: 'chat.completion.chunk',
        created: 1702256327,
        model: 'mistral-small-latest',
        choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      }),
      { data: '[DONE]' },
    ]);
    const envelope = { id: 'cmpl-e5cc70bb28c444948073e77776eb30ef', object: 'chat.completion.chunk', created: input.created, model: 'mistral-small-latest' };
    expect(chunks).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'Bonjour' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }] },
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 10, completionTokens: 2, totalTokens: 12 });
    expect(translator.done).toBe(true);
  });

  it('gives a stream without id or model the gateway’s id and the upstream model, and the first delta its role', () => {
    const { chunks, translator } = translate([
      data({ choices: [{ delta: { content: 'ok' } }] }),
      data({ choices: [{ delta: {}, finish_reason: 'stop' }] }),
      data({ choices: [], usage: { prompt_tokens: 1200, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 1024 } } }),
    ]);
    const envelope = { id: 'chatcmpl-req_1', object: 'chat.completion.chunk', created: input.created, model: 'gpt-4o-mini' };
    expect(chunks).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 1200, completionTokens: 30, totalTokens: 1230, cachedPromptTokens: 1024 });
    // No [DONE]: the stream may have been cut.
    expect(translator.done).toBe(false);
  });

  it('keeps the first id for the whole stream, and ignores keep-alives and anything after [DONE]', () => {
    const chunk = (id: string) => data({ id, object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] });
    const { chunks, translator } = translate([chunk('a'), { data: '' }, chunk('b'), { data: '[DONE]' }, chunk('c'), { data: 'not json' }]);
    expect(chunks.map((each) => each.id)).toEqual(['a', 'a']);
    expect(translator.done).toBe(true);
  });

  it('carries the configured fields of a choiceless chunk onto the next chunk, and drops the chunk', () => {
    const translator = createOpenAIStreamTranslator(input, { carriedFields: ['prompt_filter_results'] });
    expect(translator.push(data({ choices: [], id: '', prompt_filter_results: [{ prompt_index: 0 }], other: 1 }))).toEqual([]);
    const [first] = translator.push(data({ id: 'c1', object: 'chat.completion.chunk', created: 9, model: 'm', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }));
    expect(first).toMatchObject({ id: 'c1', prompt_filter_results: [{ prompt_index: 0 }] });
    expect(first).not.toHaveProperty('other');
    const [second] = translator.push(data({ id: 'c1', object: 'chat.completion.chunk', created: 9, model: 'm', choices: [{ index: 0, delta: { content: 'y' }, finish_reason: null }] }));
    expect(second).not.toHaveProperty('prompt_filter_results');
  });
});

describe('streamErrorStatus', () => {
  it.each([
    [{ message: 'x' }, 500],
    [{ message: 'x', type: 'server_error' }, 500],
    [{ message: 'x', status: 503 }, 503],
    [{ message: 'x', code: '404' }, 404],
    [{ message: 'x', code: 200 }, 500],
    [{ message: 'x', code: 'constructor' }, 500],
    [{ message: 'x', code: 'rate_limit_exceeded' }, 429],
    ['a string', 500],
  ])('%j stands for %i', (error, status) => {
    expect(streamErrorStatus(error)).toBe(status);
  });
});
