import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../errors/gateway-error.ts';
import { chatCompletionSchema } from '../../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../providers/chat-stream.ts';
import { keepAliveComment } from '../sse-writer.ts';
import { convertToResponse } from './convert-to-response.ts';
import { outputItemId } from './response-ids.ts';
import { responseObjectSchema, responsesRequestSchema } from './responses-schemas.ts';
import { ResponsesStreamEncoder } from './responses-stream-encoder.ts';
import { RecordingResponse } from '../../../test/support/recording-response.ts';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

function chunk(delta: Delta, finishReason: string | null = null): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1741476542, model: 'gpt-4.1', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
}

const id = 'resp_67ccd3a9da748190baa7f1570fe91ac6';
const request = responsesRequestSchema.parse({ model: 'gpt-4.1', input: 'Say hello.', stream: true });
const usage = { promptTokens: 12, completionTokens: 3, totalTokens: 15 };

function encoder(response: RecordingResponse, heartbeatIntervalMs = 0) {
  return new ResponsesStreamEncoder(response as unknown as ServerResponse, { id, model: 'gpt-4.1', createdAt: 1741476542, request, heartbeatIntervalMs });
}

/** The SSE text as `[event name, data]` pairs, checking each event's name is its data's `type`. */
function events(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '' && !block.startsWith(':'))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse(dataLine?.replace(/^data: /, '') ?? '') as Record<string, unknown>;
      expect(eventLine).toBe(`event: ${String(data['type'])}`);
      return data;
    });
}

/** Streams `chunks` through an encoder and returns the SSE text it wrote. */
function encode(chunks: ChatCompletionChunk[][], end: (encoder: ResponsesStreamEncoder) => void = (e) => e.finish(usage, '0.0001')): string {
  const response = new RecordingResponse();
  const streamEncoder = encoder(response);
  streamEncoder.start({ 'x-request-id': 'req_1' });
  for (const batch of chunks) streamEncoder.chunks(batch);
  end(streamEncoder);
  return response.text;
}

const textChunks = [[chunk({ role: 'assistant', content: '' })], [chunk({ content: 'Hello' }), chunk({ content: ' world' })], [chunk({}, 'stop')]];
const toolCallChunks = [
  [chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] })],
  [chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] })],
  [chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })],
  [chunk({}, 'tool_calls')],
];

describe('ResponsesStreamEncoder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the SSE headers and the lifecycle events on start', () => {
    const response = new RecordingResponse();
    encoder(response).start({ 'x-request-id': 'req_1' });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_1' });
    expect(events(response.text).map((event) => [event['type'], (event['response'] as { status: string }).status])).toEqual([
      ['response.created', 'in_progress'],
      ['response.in_progress', 'in_progress'],
    ]);
  });

  it('streams text as a message item with one output_text part', () => {
    const sent = events(encode(textChunks));
    const msg = outputItemId('msg', id, 0);
    expect(sent.map((event) => event['type'])).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sent.map((event) => event['sequence_number'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sent[2]).toEqual({ type: 'response.output_item.added', output_index: 0, item: { id: msg, type: 'message', role: 'assistant', status: 'in_progress', content: [] }, sequence_number: 2 });
    expect(sent[3]).toEqual({ type: 'response.content_part.added', item_id: msg, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] }, sequence_number: 3 });
    expect(sent[4]).toEqual({ type: 'response.output_text.delta', item_id: msg, output_index: 0, content_index: 0, delta: 'Hello', logprobs: [], sequence_number: 4 });
    expect(sent[6]).toEqual({ type: 'response.output_text.done', item_id: msg, output_index: 0, content_index: 0, text: 'Hello world', logprobs: [], sequence_number: 6 });
    expect(sent[8]).toMatchObject({ item: { id: msg, status: 'completed', content: [{ type: 'output_text', text: 'Hello world', annotations: [] }] } });
    const completed = sent[9]?.['response'];
    expect(completed).toMatchObject({
      id,
      status: 'completed',
      output: [{ id: msg, type: 'message', content: [{ text: 'Hello world' }] }],
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 }, cost: 0.0001 },
    });
    expect(responseObjectSchema.safeParse(completed).success).toBe(true);
  });

  it('streams a tool call as a function_call item with its argument deltas', () => {
    const sent = events(encode(toolCallChunks));
    const fc = outputItemId('fc', id, 0);
    expect(sent.map((event) => event['type'])).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sent[2]).toEqual({
      type: 'response.output_item.added',
      output_index: 0,
      item: { id: fc, type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_1', name: 'get_weather' },
      sequence_number: 2,
    });
    expect(sent[3]).toEqual({ type: 'response.function_call_arguments.delta', item_id: fc, output_index: 0, delta: '{"location":', sequence_number: 3 });
    expect(sent[5]).toEqual({ type: 'response.function_call_arguments.done', item_id: fc, output_index: 0, name: 'get_weather', arguments: '{"location":"Paris"}', sequence_number: 5 });
    expect(sent[6]).toMatchObject({ item: { id: fc, status: 'completed', arguments: '{"location":"Paris"}', call_id: 'call_1' } });
    expect(sent[7]?.['response']).toMatchObject({ status: 'completed', output: [{ type: 'function_call', call_id: 'call_1', arguments: '{"location":"Paris"}' }] });
  });

  it('streams reasoning as a reasoning item with summary text, before the message', () => {
    const sent = events(encode([[chunk({ reasoning_content: 'Greet ' }), chunk({ reasoning_content: 'briefly.' })], [chunk({ content: 'Hi!' }, 'stop')]]));
    const rs = outputItemId('rs', id, 0);
    expect(sent.map((event) => event['type'])).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sent[4]).toEqual({ type: 'response.reasoning_summary_text.delta', item_id: rs, output_index: 0, summary_index: 0, delta: 'Greet ', sequence_number: 4 });
    expect(sent[8]).toEqual({
      type: 'response.output_item.done',
      output_index: 0,
      item: { id: rs, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Greet briefly.' }] },
      sequence_number: 8,
    });
    expect(sent[9]).toMatchObject({ output_index: 1, item: { id: outputItemId('msg', id, 1), type: 'message' } });
  });

  it('streams parallel tool calls as one function_call item each, in order', () => {
    const sent = events(
      encode([
        [chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] })],
        [chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":' } }] })],
        [chunk({ tool_calls: [{ index: 1, function: { arguments: '"Bogotá"}' } }] }, 'tool_calls')],
      ]),
    );
    expect(sent.filter((event) => String(event['type']).startsWith('response.output_item')).map((event) => [event['type'], event['output_index']])).toEqual([
      ['response.output_item.added', 0],
      ['response.output_item.done', 0],
      ['response.output_item.added', 1],
      ['response.output_item.done', 1],
    ]);
    expect(sent.at(-1)?.['response']).toMatchObject({
      output: [
        { id: outputItemId('fc', id, 0), call_id: 'call_1', arguments: '{"location":"Paris"}' },
        { id: outputItemId('fc', id, 1), call_id: 'call_2', arguments: '{"location":"Bogotá"}' },
      ],
    });
  });

  it('announces the items convertToResponse gives the same answer, with the same ids', () => {
    const response = new RecordingResponse();
    const streamEncoder = encoder(response);
    streamEncoder.start({});
    streamEncoder.chunks([chunk({ reasoning_content: 'Think.' }), chunk({ content: 'Calling.' }), ...toolCallChunks.flat()]);
    streamEncoder.finish(usage, undefined);
    const completion = chatCompletionSchema.parse({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1741476542,
      model: 'gpt-4.1',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling.',
            reasoning_content: 'Think.',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(streamEncoder.responseObject.output).toEqual(convertToResponse(completion, { id, model: 'gpt-4.1', createdAt: 1741476542, request, usage }).output);
  });

  it('ends an answer cut by the token limit with response.incomplete', () => {
    const sent = events(encode([[chunk({ content: 'Once upon a' }, 'length')]]));
    expect(sent.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] } });
    expect(sent.at(-2)).toMatchObject({ type: 'response.output_item.done', item: { status: 'incomplete' } });
  });

  it('fails with response.failed and an error event carrying the gateway error', () => {
    const error = new GatewayError({ code: 'stream_interrupted', message: 'The provider closed the stream before the answer was complete.' });
    const sent = events(encode([[chunk({ content: 'Hel' })]], (e) => e.fail(error)));
    expect(sent.slice(-2)).toEqual([
      {
        type: 'response.failed',
        response: expect.objectContaining({
          status: 'failed',
          error: { code: 'server_error', message: 'The provider closed the stream before the answer was complete.' },
          output: [expect.objectContaining({ type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'Hel', annotations: [] }] })],
        }) as unknown,
        sequence_number: 5,
      },
      {
        type: 'error',
        code: 'stream_interrupted',
        message: 'The provider closed the stream before the answer was complete.',
        param: null,
        error: { type: 'api_error', code: 'stream_interrupted', message: 'The provider closed the stream before the answer was complete.', param: null },
        sequence_number: 6,
      },
    ]);
  });

  it('sends keep-alive comments while the stream is quiet, and stops at the end', () => {
    vi.useFakeTimers();
    const response = new RecordingResponse();
    const streamEncoder = encoder(response, 100);
    streamEncoder.start({});
    vi.advanceTimersByTime(250);
    expect(response.written.filter((text) => text === keepAliveComment)).toHaveLength(2);
    streamEncoder.finish(usage, undefined);
    vi.advanceTimersByTime(500);
    expect(response.written.filter((text) => text === keepAliveComment)).toHaveLength(2);
    expect(streamEncoder.open).toBe(false);
    expect(streamEncoder.responseObject.status).toBe('completed');
  });
});

describe('the OpenAI SDK reading the stream', () => {
  /** A client whose every request is answered with `sse`, as the gateway's route would send it. */
  function client(sse: string): OpenAI {
    const fetch = async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    return new OpenAI({ apiKey: 'sk-test', baseURL: 'http://gateway.test/v1', fetch, maxRetries: 0 });
  }

  it('accumulates a text stream into the final Response', async () => {
    const stream = client(encode(textChunks)).responses.stream({ model: 'gpt-4.1', input: 'Say hello.' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(['Hello', ' world']);
    expect(final.output_text).toBe('Hello world');
    expect(final.status).toBe('completed');
    expect(final.usage?.total_tokens).toBe(15);
  });

  it('accumulates reasoning summary text into a reasoning item', async () => {
    const final = await client(encode([[chunk({ reasoning_content: 'Greet ' }), chunk({ reasoning_content: 'briefly.' }), chunk({ content: 'Hi!' }, 'stop')]]))
      .responses.stream({ model: 'gpt-4.1', input: 'Say hello.' })
      .finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Greet briefly.' }] });
    expect(final.output_text).toBe('Hi!');
  });

  it('accumulates a tool call stream into a function_call item', async () => {
    const stream = client(encode(toolCallChunks)).responses.stream({ model: 'gpt-4.1', input: 'Weather in Paris?' });
    const final = await stream.finalResponse();
    expect(final.output).toEqual([expect.objectContaining({ type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}', status: 'completed' })]);
  });

  it('raises the gateway error as an APIError', async () => {
    const error = new GatewayError({ code: 'provider_rate_limited', message: 'The provider is rate limiting this model.' });
    const stream = await client(encode([[chunk({ content: 'Hel' })]], (e) => e.fail(error))).responses.create({ model: 'gpt-4.1', input: 'Say hello.', stream: true });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) seen.push(event.type);
    })();
    await expect(reading).rejects.toMatchObject({ code: 'provider_rate_limited', type: 'rate_limit_error', message: 'The provider is rate limiting this model.' });
    await expect(reading).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(seen.at(-1)).toBe('response.failed');
  });
});
