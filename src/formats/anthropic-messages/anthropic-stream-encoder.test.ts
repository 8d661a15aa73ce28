import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ChatCompletionChunk, WireEvent } from '../../providers/chat-stream.ts';
import { AnthropicStreamTranslator } from '../../providers/anthropic/convert-anthropic-stream.ts';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.ts';
import { RecordingResponse } from '../../../test/support/recording-response.ts';

function sseEvents(text: string): WireEvent[] {
  const events: WireEvent[] = [];
  createParser({ onEvent: (event) => events.push({ event: event.event, data: event.data }) }).feed(text);
  return events;
}

/** The events written, as `[name, data]`; each event's name must be its data's type. */
function eventsOf(text: string): Array<Record<string, unknown>> {
  return sseEvents(text).map((event) => {
    const data = JSON.parse(event.data) as Record<string, unknown>;
    expect(event.event).toBe(data['type']);
    return data;
  });
}

function chunk(delta: Record<string, unknown>, finishReason: string | null = null): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

const usage = { promptTokens: 120, completionTokens: 30, totalTokens: 150, cachedPromptTokens: 100 };

function encoderFor(response: RecordingResponse, heartbeatIntervalMs = 0): AnthropicStreamEncoder {
  return new AnthropicStreamEncoder(response as unknown as ServerResponse, { model: 'claude-sonnet-4-5', requestId: 'req_42', heartbeatIntervalMs });
}

const messageStart = {
  type: 'message_start',
  message: {
    id: 'msg_42',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  },
};

describe('AnthropicStreamEncoder', () => {
  it('writes message_start on start, a text block, and message_delta with the usage and cost', () => {
    const response = new RecordingResponse();
    const encoder = encoderFor(response);
    encoder.start({ 'x-request-id': 'req_42' });
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_42' });
    encoder.chunks([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' })]);
    encoder.chunks([chunk({ content: '!' }), chunk({}, 'stop')]);
    encoder.finish(usage, '0.0012');
    expect(eventsOf(response.text)).toEqual([
      messageStart,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: 20, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, cost: 0.0012 },
      },
      { type: 'message_stop' },
    ]);
    expect(response.writableEnded).toBe(true);
  });

  it('writes reasoning as a thinking block, then text, then tool calls with their argument fragments', () => {
    const response = new RecordingResponse();
    const encoder = encoderFor(response);
    encoder.start({});
    encoder.chunks([
      chunk({ role: 'assistant', reasoning_content: 'Two cities.' }),
      chunk({ reasoning_content: ' Two calls.' }),
      chunk({ content: 'Checking.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    encoder.finish(usage, undefined);
    const events = eventsOf(response.text);
    expect(events.slice(1, -2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two cities.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: ' Two calls.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"location":' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 3 },
    ]);
    expect(events.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
    expect(events.at(-1)).toEqual({ type: 'message_stop' });
  });

  it('ends a failed stream with one error event in Anthropic’s shape, and no message_stop', () => {
    const response = new RecordingResponse();
    const encoder = encoderFor(response);
    encoder.start({});
    encoder.chunks([chunk({ content: 'Hel' })]);
    encoder.fail(new GatewayError({ code: 'no_route_available', message: 'every provider for this model is failing' }));
    expect(eventsOf(response.text).slice(-2)).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'error', error: { type: 'overloaded_error', message: 'every provider for this model is failing' } },
    ]);
    expect(response.writableEnded).toBe(true);
    encoder.chunks([chunk({ content: 'lo' })]);
    expect(response.written).toHaveLength(3);
  });

  describe('heartbeats', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('sends ping events after each interval without a write, and stops at the end', () => {
      const response = new RecordingResponse();
      const encoder = encoderFor(response, 100);
      encoder.start({});
      vi.advanceTimersByTime(250);
      expect(response.written.slice(1)).toEqual(['event: ping\ndata: {"type":"ping"}\n\n', 'event: ping\ndata: {"type":"ping"}\n\n']);
      encoder.finish(usage, undefined);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

/** A recorded Anthropic stream, as Anthropic's SDK reads it into a Message. */
async function sdkMessage(sse: string): Promise<Anthropic.Message> {
  const client = new Anthropic({
    apiKey: 'test',
    maxRetries: 0,
    fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
  return client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
}

/** A recorded Anthropic stream, through the Anthropic adapter into OpenAI chunks, and written back by the encoder. */
function throughTheGateway(fixture: string): { original: string; reEncoded: string } {
  return reEncoded(readFileSync(new URL(`../../providers/anthropic/__fixtures__/${fixture}.sse`, import.meta.url), 'utf8'));
}

function reEncoded(original: string): { original: string; reEncoded: string } {
  const translator = new AnthropicStreamTranslator({ provider: 'claude', upstreamModel: 'claude-opus-4-6', requestId: 'req_1', created: 1 });
  const chunks = sseEvents(original).flatMap((event) => translator.push(event));
  const response = new RecordingResponse();
  const encoder = encoderFor(response);
  encoder.start({});
  encoder.chunks(chunks);
  encoder.finish(translator.usage() ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, undefined);
  return { original, reEncoded: response.text };
}

describe('read by Anthropic’s SDK', () => {
  /**
   * Anthropic's stream → the adapter's OpenAI chunks → this encoder → Anthropic's SDK: the Message it
   * assembles is the one it assembles from the original stream.
   */
  it.each(['stream-basic', 'stream-tool-use'])('assembles %s as from the original stream', async (name) => {
    const { original, reEncoded } = throughTheGateway(name);
    const expected = await sdkMessage(original);
    const actual = await sdkMessage(reEncoded);
    expect(actual.content).toEqual(expected.content);
    expect(actual.stop_reason).toBe(expected.stop_reason);
    expect({ input: actual.usage.input_tokens, output: actual.usage.output_tokens }).toEqual({ input: expected.usage?.input_tokens ?? 0, output: expected.usage?.output_tokens });
  });

  it('assembles thinking as a thinking block with its signature', async () => {
    // The recorded example leaves out usage, which the SDK needs, so the original cannot be read.
    const actual = await sdkMessage(throughTheGateway('stream-extended-thinking').reEncoded);
    expect(actual.content).toEqual([
      {
        type: 'thinking',
        thinking: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\nThe remainder is 0, so GCD(1071, 462) = 21.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...',
      },
      { type: 'text', text: 'The greatest common divisor of 1071 and 462 is **21**.' },
    ]);
    expect(actual.stop_reason).toBe('end_turn');
  });

  it('assembles several signed thinking blocks, a redacted one between them, exactly as from the original stream', async () => {
    const frame = (data: Record<string, unknown>) => `event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`;
    const block = (index: number, start: Record<string, unknown>, deltas: Array<Record<string, unknown>>) => [
      frame({ type: 'content_block_start', index, content_block: start }),
      ...deltas.map((delta) => frame({ type: 'content_block_delta', index, delta })),
      frame({ type: 'content_block_stop', index }),
    ];
    const original = [
      frame({ type: 'message_start', message: { ...messageStart.message, id: 'msg_1', usage: { input_tokens: 40, output_tokens: 1 } } }),
      ...block(0, { type: 'thinking', thinking: '', signature: '' }, [
        { type: 'thinking_delta', thinking: 'Two cities, ' },
        { type: 'thinking_delta', thinking: 'two calls.' },
        { type: 'signature_delta', signature: 'EqQBCgIYAhIM-a' },
      ]),
      ...block(1, { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }, []),
      ...block(2, { type: 'thinking', thinking: '', signature: '' }, [
        { type: 'thinking_delta', thinking: '\n\nParis first.' },
        { type: 'signature_delta', signature: 'EqQBCgIYAhIM-b' },
      ]),
      ...block(3, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }, [{ type: 'input_json_delta', partial_json: '{"location":"Paris"}' }]),
      frame({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 60 } }),
      frame({ type: 'message_stop' }),
    ].join('');
    const expected = await sdkMessage(original);
    expect(expected.content).toHaveLength(4);
    expect((await sdkMessage(reEncoded(original).reEncoded)).content).toEqual(expected.content);
  });

  it('raises an error event as an APIError of its type', async () => {
    const response = new RecordingResponse();
    const encoder = encoderFor(response);
    encoder.start({});
    encoder.fail(new GatewayError({ code: 'provider_rate_limited', message: 'slow down' }));
    await expect(sdkMessage(response.text)).rejects.toMatchObject({ type: 'rate_limit_error', message: expect.stringContaining('slow down') });
  });
});
