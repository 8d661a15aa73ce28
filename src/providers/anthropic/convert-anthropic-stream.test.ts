import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../chat-completion-schemas.ts';
import { chatCompletionChunkSchema, type ChatCompletionChunk, type ChatCompletionChunkChoice, type WireEvent } from '../chat-stream.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';
import { AnthropicStreamTranslator } from './convert-anthropic-stream.ts';
import { anthropicMessagesRequestSchema } from './anthropic-wire-schemas.ts';
import { anthropicWireFormat } from './index.ts';
import { buildAnthropicRequest, testSettings, user } from './__fixtures__/build-anthropic-request.ts';

/** A recorded stream (the examples of Anthropic's streaming guide), split into events by the SSE parser. */
function fixtureEvents(name: string): WireEvent[] {
  return sseEvents(readFileSync(new URL(`./__fixtures__/${name}.sse`, import.meta.url), 'utf8'));
}

function sseEvents(text: string): WireEvent[] {
  const events: WireEvent[] = [];
  createParser({ onEvent: (event) => events.push({ event: event.event, data: event.data }) }).feed(text);
  return events;
}

/** One SSE event as Anthropic frames it: the type as the event name and inside the data. */
const event = (data: { type: string } & Record<string, unknown>): WireEvent => ({ event: data.type, data: JSON.stringify(data) });

const input = { provider: 'claude', upstreamModel: 'claude-sonnet-4-5', requestId: 'req_7', created: 1748779200 };

function translate(events: WireEvent[]): { chunks: ChatCompletionChunk[]; translator: AnthropicStreamTranslator } {
  const translator = new AnthropicStreamTranslator(input);
  const chunks = events.flatMap((wireEvent) => translator.push(wireEvent));
  for (const chunk of chunks) chatCompletionChunkSchema.parse(chunk);
  return { chunks, translator };
}

/** The expected chunk of a stream whose message has this id and model. */
function chunkOf(id: string, model: string) {
  return (delta: ChatCompletionChunkChoice['delta'], finish?: { finish_reason: string; native_finish_reason: string | null }): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: 1748779200,
    model,
    choices: [{ index: 0, delta, ...(finish ?? { finish_reason: null }) }],
  });
}

const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
function toolArguments(chunks: ChatCompletionChunk[], index: number): string {
  const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).filter((call) => call.index === index);
  return calls.map((call) => call.function?.arguments ?? '').join('');
}

const messageStart = (usage: Record<string, number | Record<string, number>> = { input_tokens: 10, output_tokens: 1 }) =>
  event({ type: 'message_start', message: { id: 'msg_01', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5-20250929', stop_reason: null, stop_sequence: null, usage } });
const blockStart = (index: number, block: Record<string, unknown>) => event({ type: 'content_block_start', index, content_block: block });
const blockDelta = (index: number, delta: Record<string, unknown>) => event({ type: 'content_block_delta', index, delta });
const blockStop = (index: number) => event({ type: 'content_block_stop', index });
const messageDelta = (stopReason: string | null, usage?: Record<string, number | null>) =>
  event({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, ...(usage ? { usage } : {}) });
const messageStop = event({ type: 'message_stop' });
const chunk = chunkOf('msg_01', 'claude-sonnet-4-5-20250929');

describe('AnthropicStreamTranslator: the streaming guide’s examples', () => {
  it('translates the basic stream (with its ping) into a role chunk, text chunks and a finish chunk', () => {
    const events = fixtureEvents('stream-basic');
    const translator = new AnthropicStreamTranslator(input);
    const chunks: ChatCompletionChunk[] = [];
    for (const wireEvent of events) {
      expect(translator.done).toBe(false);
      chunks.push(...translator.push(wireEvent));
    }
    const expected = chunkOf('msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', 'claude-opus-4-6');
    expect(chunks).toEqual([
      expected({ role: 'assistant', content: '' }),
      expected({ content: 'Hello' }),
      expected({ content: '!' }),
      expected({}, { finish_reason: 'stop', native_finish_reason: 'end_turn' }),
    ]);
    expect(text(chunks)).toBe('Hello!');
    expect(translator.done).toBe(true);
    expect(translator.usage()).toEqual({ promptTokens: 25, completionTokens: 15, totalTokens: 40 });
  });

  it('streams a text block then a tool_use block as content, then one tool call whose argument fragments parse', () => {
    const { chunks, translator } = translate(fixtureEvents('stream-tool-use'));
    const expected = chunkOf('msg_014p7gG3wDgGV9EUtLvnow3U', 'claude-opus-4-6');
    const fragments = ['{"location":', ' "San', ' Francisc', 'o,', ' CA"', ',', ' "unit": "fah', 'renheit"}'];
    const words = ['Okay', ',', ' let', "'s", ' check', ' the', ' weather', ' for', ' San', ' Francisco', ',', ' CA', ':'];
    expect(chunks).toEqual([
      expected({ role: 'assistant', content: '' }),
      ...words.map((word) => expected({ content: word })),
      // The block is the message's second, but the tool call is the choice's first: OpenAI counts tool calls.
      expected({ tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      ...fragments.map((fragment) => expected({ tool_calls: [{ index: 0, function: { arguments: fragment } }] })),
      expected({}, { finish_reason: 'tool_calls', native_finish_reason: 'tool_use' }),
    ]);
    expect(text(chunks)).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(JSON.parse(toolArguments(chunks, 0))).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(translator.done).toBe(true);
    expect(translator.usage()).toEqual({ promptTokens: 472, completionTokens: 89, totalTokens: 561 });
  });

  it('streams thinking as reasoning_content, its signature as the whole block in thinking_blocks, and reports no usage when the stream carries none', () => {
    const { chunks, translator } = translate(fixtureEvents('stream-extended-thinking'));
    const expected = chunkOf('msg_01...', 'claude-opus-4-6');
    const thinking = 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\nThe remainder is 0, so GCD(1071, 462) = 21.';
    expect(chunks).toEqual([
      expected({ role: 'assistant', content: '' }),
      expected({ reasoning_content: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147' }),
      expected({ reasoning_content: '\n462 = 3 × 147 + 21' }),
      expected({ reasoning_content: '\n147 = 7 × 21 + 0' }),
      expected({ reasoning_content: '\nThe remainder is 0, so GCD(1071, 462) = 21.' }),
      expected({ thinking_blocks: [{ type: 'thinking', thinking, signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...' }] }),
      expected({ content: 'The greatest common divisor of 1071 and 462 is **21**.' }),
      expected({}, { finish_reason: 'stop', native_finish_reason: 'end_turn' }),
    ]);
    expect(translator.done).toBe(true);
    expect(translator.usage()).toBeUndefined();
  });

  it('throws a retryable 529 ProviderError for an overloaded_error event after text went out', () => {
    const events = fixtureEvents('stream-error-overloaded');
    const translator = new AnthropicStreamTranslator(input);
    const chunks = events.slice(0, -1).flatMap((wireEvent) => translator.push(wireEvent));
    expect(text(chunks)).toBe('Once upon');
    const error = thrownBy(() => translator.push(events.at(-1) as WireEvent));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'claude', status: 529, type: 'overloaded_error', code: 'overloaded_error', message: 'Overloaded', retryable: true });
    expect(translator.done).toBe(false);
    expect(translator.usage()).toEqual({ promptTokens: 12, completionTokens: 1, totalTokens: 13 });
  });
});

describe('AnthropicStreamTranslator: errors and malformed data', () => {
  it.each([
    ['api_error', 500, true],
    ['rate_limit_error', 429, true],
    ['timeout_error', 504, true],
    ['invalid_request_error', 400, false],
    ['permission_error', 403, false],
    ['some_future_error', 500, true],
  ])('gives an %s event the status of its HTTP twin (%i), retryable: %s', (type, status, retryable) => {
    const translator = new AnthropicStreamTranslator(input);
    translator.push(messageStart());
    const error = thrownBy(() => translator.push(event({ type: 'error', error: { type, message: 'went wrong' } })));
    expect(error).toMatchObject({ name: 'ProviderError', status, code: type, type, message: 'went wrong', retryable });
  });

  it.each([
    ['data that is not JSON', { event: 'content_block_delta', data: '{"type": "content_block_delta", "index": 0, "delta": {' }],
    ['data without a type', { data: '{"index": 0}' }],
    ['an array', { data: '[1, 2]' }],
    ['a text_delta without text', blockDelta(0, { type: 'text_delta' })],
    ['an input_json_delta whose partial_json is not a string', blockDelta(0, { type: 'input_json_delta', partial_json: { a: 1 } })],
    ['a tool_use block without an id', blockStart(0, { type: 'tool_use', name: 'get_weather', input: {} })],
    ['a message_start without its message id', event({ type: 'message_start', message: { model: 'claude' } })],
    ['an error event without its error', event({ type: 'error', message: 'Overloaded' })],
    ['a negative block index', blockStop(-1)],
  ])('throws invalid_provider_response (502, not retryable) for %s', (_, wireEvent) => {
    const translator = new AnthropicStreamTranslator(input);
    translator.push(messageStart());
    const error = thrownBy(() => translator.push(wireEvent));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'claude', status: 502, code: 'invalid_provider_response', retryable: false });
  });
});

describe('AnthropicStreamTranslator: blocks, stop reasons and usage', () => {
  it('ignores event types and delta types it does not know, as Anthropic’s versioning policy asks', () => {
    const { chunks } = translate([
      messageStart(),
      event({ type: 'message_annotation', note: 'new' }),
      blockStart(0, { type: 'text', text: '' }),
      blockDelta(0, { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'x' } }),
      blockDelta(0, { type: 'text_delta', text: 'Hi' }),
      blockStop(0),
      messageDelta('end_turn', { output_tokens: 3 }),
      messageStop,
    ]);
    expect(chunks).toEqual([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hi' }), chunk({}, { finish_reason: 'stop', native_finish_reason: 'end_turn' })]);
  });

  it('numbers parallel tool calls 0, 1 …, completes the arguments of a tool without input as {}, skips server tools, and gives redacted thinking whole', () => {
    const { chunks } = translate([
      messageStart(),
      blockStart(0, { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }),
      blockStop(0),
      blockStart(1, { type: 'server_tool_use', id: 'srvtoolu_014hJH82Qum7Td6UV8gDXThB', name: 'web_search', input: {} }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '{"query": "weather"}' }),
      blockStop(1),
      blockStart(2, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_014hJH82Qum7Td6UV8gDXThB', content: [] }),
      blockStop(2),
      blockStart(3, { type: 'tool_use', id: 'toolu_a', name: 'get_time', input: {} }),
      blockDelta(3, { type: 'input_json_delta', partial_json: '' }),
      blockStop(3),
      blockStart(4, { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} }),
      blockDelta(4, { type: 'input_json_delta', partial_json: '{"city": "Paris"}' }),
      blockStop(4),
      messageDelta('tool_use', { output_tokens: 40 }),
      messageStop,
    ]);
    expect(chunks).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }] }),
      chunk({ tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'get_time', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city": "Paris"}' } }] }),
      chunk({}, { finish_reason: 'tool_calls', native_finish_reason: 'tool_use' }),
    ]);
    expect(JSON.parse(toolArguments(chunks, 0))).toEqual({});
    expect(JSON.parse(toolArguments(chunks, 1))).toEqual({ city: 'Paris' });
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
    ['a_new_reason', 'stop'],
  ])('maps stop_reason %s onto finish_reason %s, keeping the native one', (stopReason, finishReason) => {
    const { chunks } = translate([messageStart(), messageDelta(stopReason), messageStop]);
    expect(chunks.at(-1)).toEqual(chunk({}, { finish_reason: finishReason, native_finish_reason: stopReason }));
  });

  it('gives each signed thinking block whole, in order with redacted ones, its text without the separator reasoning_content puts between blocks', () => {
    const { chunks } = translate([
      messageStart(),
      blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
      blockDelta(0, { type: 'thinking_delta', thinking: 'Two ' }),
      blockDelta(0, { type: 'thinking_delta', thinking: 'cities.' }),
      blockDelta(0, { type: 'signature_delta', signature: 'sig-a' }),
      blockStop(0),
      blockStart(1, { type: 'redacted_thinking', data: 'EmwKAhgB' }),
      blockStop(1),
      blockStart(2, { type: 'thinking', thinking: '' }),
      blockDelta(2, { type: 'thinking_delta', thinking: 'Paris first.' }),
      blockDelta(2, { type: 'signature_delta', signature: 'sig-b' }),
      blockStop(2),
      messageDelta('end_turn'),
      messageStop,
    ]);
    expect(chunks.slice(1, -1)).toEqual([
      chunk({ reasoning_content: 'Two ' }),
      chunk({ reasoning_content: 'cities.' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'Two cities.', signature: 'sig-a' }] }),
      chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'EmwKAhgB' }] }),
      chunk({ reasoning_content: '\n\n' }),
      chunk({ reasoning_content: 'Paris first.' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'Paris first.', signature: 'sig-b' }] }),
    ]);
  });

  it('refuses a signature_delta without its signature as an invalid provider response', () => {
    const error = thrownBy(() => translate([messageStart(), blockStart(0, { type: 'thinking', thinking: '' }), blockDelta(0, { type: 'signature_delta' })]));
    expect(error).toMatchObject({ status: 502, code: 'invalid_provider_response' });
  });

  it('sends one finish chunk for several message_delta events, and a plain stop at message_stop when none gave a reason', () => {
    expect(translate([messageStart(), messageDelta('max_tokens'), messageDelta('end_turn'), messageStop]).chunks).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({}, { finish_reason: 'length', native_finish_reason: 'max_tokens' }),
    ]);
    expect(translate([messageStart(), messageDelta(null), messageStop]).chunks.at(-1)).toEqual(chunk({}, { finish_reason: 'stop', native_finish_reason: null }));
  });

  it('falls back to chatcmpl-<requestId> and the upstream model without message_start, the role riding on the first delta', () => {
    const { chunks } = translate([blockDelta(0, { type: 'text_delta', text: 'Hi' }), messageStop]);
    const fallback = chunkOf('chatcmpl-req_7', 'claude-sonnet-4-5');
    expect(chunks).toEqual([fallback({ role: 'assistant', content: 'Hi' }), fallback({}, { finish_reason: 'stop', native_finish_reason: null })]);
  });

  it('ignores whatever follows message_stop', () => {
    const { translator } = translate([messageStart(), messageDelta('end_turn'), messageStop]);
    expect(translator.push(blockDelta(0, { type: 'text_delta', text: 'late' }))).toEqual([]);
    expect(translator.push(event({ type: 'error', error: { type: 'api_error', message: 'late' } }))).toEqual([]);
    expect(translator.done).toBe(true);
  });

  it('counts cache reads and writes into the prompt, and takes the latest cumulative counts of message_delta', () => {
    const { translator } = translate([
      messageStart({ input_tokens: 21, cache_creation_input_tokens: 188, cache_read_input_tokens: 1800, output_tokens: 1 }),
      blockStart(0, { type: 'text', text: '' }),
      blockDelta(0, { type: 'text_delta', text: 'Hi' }),
      messageDelta('end_turn', { input_tokens: 30, cache_creation_input_tokens: null, output_tokens: 393 }),
      messageStop,
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 2018, completionTokens: 393, totalTokens: 2411, cachedPromptTokens: 1800, cacheCreationTokens: 188 });
  });

  it('keeps the 1-hour cache writes apart (they are billed at twice the input rate)', () => {
    const { translator } = translate([
      messageStart({ input_tokens: 10, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, output_tokens: 1 }),
      messageDelta('end_turn', { output_tokens: 5 }),
      messageStop,
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 310, completionTokens: 5, totalTokens: 315, cacheCreationTokens: 300, cacheCreation1hTokens: 200 });
  });

  it('reports the usage so far before message_delta, and none before any', () => {
    const translator = new AnthropicStreamTranslator(input);
    expect(translator.usage()).toBeUndefined();
    translator.push(messageStart({ input_tokens: 25, output_tokens: 1 }));
    expect(translator.usage()).toEqual({ promptTokens: 25, completionTokens: 1, totalTokens: 26 });
  });
});

describe('anthropicWireFormat streaming', () => {
  it('builds the chat request with "stream": true, accepting server-sent events', () => {
    const body = { messages: [user('Hello')], temperature: 0.5, max_tokens: 256 };
    const plain = buildAnthropicRequest(body);
    const request = chatCompletionRequestSchema.parse({ model: 'claude', stream: true, ...body });
    const streamed = anthropicWireFormat.buildStreamRequest({ request, upstreamModel: 'claude-sonnet-4-5', config: testSettings, requestId: 'req_1' });
    expect(streamed).toEqual({ ...plain, headers: { ...plain.headers, accept: 'text/event-stream' }, body: { ...(plain.body as object), stream: true } });
    expect(() => anthropicMessagesRequestSchema.parse(streamed.body)).not.toThrow();
  });

  it('creates a fresh translator per call', () => {
    const first = anthropicWireFormat.createStreamTranslator(input);
    expect(first).toBeInstanceOf(AnthropicStreamTranslator);
    expect(anthropicWireFormat.createStreamTranslator(input)).not.toBe(first);
  });
});
