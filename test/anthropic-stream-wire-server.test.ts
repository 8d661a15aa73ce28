import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../src/providers/chat-stream.ts';
import { ProviderError } from '../src/errors/provider-error.ts';
import { thrownBy } from './support/thrown-by.ts';
import { readWireEvents } from './support/openai-wire-server.ts';
import { AnthropicWireServer, anthropicError, anthropicErrorEvent, anthropicMessage, anthropicTextStreamFrames } from './support/anthropic-wire-server.ts';
import { AnthropicStreamTranslator } from '../src/providers/anthropic/convert-anthropic-stream.ts';

/**
 * The test wire server's Anthropic streams, read over real HTTP (chunked, as Anthropic sends them)
 * and fed through the translator: what end-to-end tests will script must translate.
 */
describe('AnthropicWireServer streams', () => {
  const upstream = new AnthropicWireServer();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await upstream.start();
  });
  afterAll(() => upstream.stop());
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const messagesBody = (fields: Record<string, unknown> = {}) => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }],
    stream: true,
    ...fields,
  });

  async function post(body: unknown): Promise<{ status: number; contentType: string; text: string }> {
    const response = await fetch(`${baseUrl}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
  }

  function translate(text: string): { chunks: ChatCompletionChunk[]; translator: AnthropicStreamTranslator } {
    const translator = new AnthropicStreamTranslator({ provider: 'claude', upstreamModel: 'claude-sonnet-4-5', requestId: 'req_1', created: 1 });
    return { chunks: readWireEvents(text).flatMap((event) => translator.push(event)), translator };
  }
  const content = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

  it('answers a streamed request with the echo as Anthropic’s events, usage included', async () => {
    const answer = await post(messagesBody());
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/event-stream/);
    expect(readWireEvents(answer.text).map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const { chunks, translator } = translate(answer.text);
    expect(content(chunks)).toBe('echo: Hello there');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(translator.done).toBe(true);
    expect(translator.usage()).toEqual({ promptTokens: 12, completionTokens: 6, totalTokens: 18 });
  });

  it('still answers a plain request with one JSON message', async () => {
    const answer = await post(messagesBody({ stream: undefined }));
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'echo: Hello there' }] });
  });

  it('plays scripted streams and JSON answers in the order they were queued', async () => {
    upstream.enqueue(anthropicError(529, 'overloaded_error', 'Overloaded'));
    upstream.enqueueStream({ frames: [...anthropicTextStreamFrames({ deltas: ['Once'] }).slice(0, 4), anthropicErrorEvent('overloaded_error', 'Overloaded')] });
    upstream.enqueue(anthropicMessage({ content: [{ type: 'text', text: 'whole' }] }));

    const refused = await post(messagesBody());
    expect(refused.status).toBe(529);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { type: 'overloaded_error' } });

    const failing = await post(messagesBody());
    const translator = new AnthropicStreamTranslator({ provider: 'claude', upstreamModel: 'claude-sonnet-4-5', requestId: 'req_1', created: 1 });
    const events = readWireEvents(failing.text);
    expect(content(events.slice(0, -1).flatMap((event) => translator.push(event)))).toBe('Once');
    const error = thrownBy(() => translator.push(events.at(-1) as (typeof events)[number]));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 529, code: 'overloaded_error', retryable: true });

    const whole = await post(messagesBody());
    expect(JSON.parse(whole.text)).toMatchObject({ content: [{ type: 'text', text: 'whole' }] });
  });

  it('refuses a streamed request Anthropic would refuse, with its JSON error and before any event', async () => {
    const answer = await post(messagesBody({ temperature: 1.5 }));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'temperature: range: 0..1' } });
  });

  it('counts a stream the client closed before its end', async () => {
    upstream.enqueueStream({ frames: anthropicTextStreamFrames({ deltas: ['a', 'b', 'c', 'd'] }), frameDelayMs: 200 });
    const closedBefore = upstream.streamsClosedByClient;
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(messagesBody()),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await expect.poll(() => upstream.streamsClosedByClient).toBe(closedBefore + 1);
  });
});
