import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpenAIWireServer, openaiError, readWireEvents, sseData } from './support/openai-wire-server.ts';
import { chatCompletionRequestSchema } from '../src/providers/chat-completion-schemas.ts';
import { createOpenAIStreamTranslator } from '../src/providers/openai/chat/convert-openai-stream.ts';
import { convertToOpenAIStreamRequest } from '../src/providers/openai/chat/convert-to-openai-request.ts';

/** OpenAI's streaming against the test wire server: the request the gateway sends, the stream it reads. */
describe('OpenAIWireServer streaming', () => {
  const server = new OpenAIWireServer();
  let baseUrl = '';

  beforeAll(async () => {
    baseUrl = await server.start();
  });

  afterAll(async () => {
    await server.stop();
  });

  function post(body: unknown, signal?: AbortSignal): Promise<Response> {
    return fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  }

  /** The body as far as it came, and the error that ended it early, if one did. */
  async function readAll(response: Response): Promise<{ text: string; error: unknown }> {
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const next = await reader?.read();
        if (!next || next.done) return { text, error: undefined };
        text += decoder.decode(next.value, { stream: true });
      }
    } catch (error) {
      return { text, error };
    }
  }

  function streamBody(content: string, includeUsage = true): unknown {
    const request = chatCompletionRequestSchema.parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    const wire = convertToOpenAIStreamRequest({ request, upstreamModel: 'gpt-4o-mini', config: { headers: {} }, requestId: 'req_1' });
    if (includeUsage) return wire.body;
    const { stream_options: _streamOptions, ...body } = wire.body as Record<string, unknown>;
    return body;
  }

  it('answers a streamed request with the echo as chunks, the usage chunk and [DONE]', async () => {
    const response = await post(streamBody('Hello there 👋'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = readWireEvents(await response.text());
    expect(events.at(-1)).toEqual({ event: undefined, data: '[DONE]' });
    const translator = createOpenAIStreamTranslator({ provider: 'openai', upstreamModel: 'gpt-4o-mini', requestId: 'req_1', created: 1 });
    const chunks = events.flatMap((event) => translator.push(event));
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('echo: Hello there 👋');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(translator.usage()).toEqual({ promptTokens: 19, completionTokens: 10, totalTokens: 29 });
    expect(translator.done).toBe(true);
  });

  it('sends no usage chunk when include_usage is not asked for, and JSON to a request that does not stream', async () => {
    const events = readWireEvents(await (await post(streamBody('hi', false))).text());
    expect(events.map((event) => JSON.parse(event.data === '[DONE]' ? '{}' : event.data) as Record<string, unknown>).some((data) => 'usage' in data)).toBe(false);
    const plain = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'echo: hi' } }] });
  });

  it('answers scripted JSON errors and streams in the order they were queued', async () => {
    const frames = [sseData({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [] }), 'data: [DONE]\n\n'];
    server.enqueue(openaiError(429, { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }));
    server.enqueueStream({ frames, status: 200, headers: { 'x-ratelimit-remaining-requests': '9' } });
    const refused = await post(streamBody('one'));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    const streamed = await post(streamBody('two'));
    expect(streamed.headers.get('x-ratelimit-remaining-requests')).toBe('9');
    expect(await streamed.text()).toBe(frames.join(''));
  });

  it('cuts a stream after its frames without ending the response', async () => {
    const frames = [sseData({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'par' }, finish_reason: null }] })];
    server.enqueueStream({ frames, cut: true });
    const { text, error } = await readAll(await post(streamBody('cut')));
    expect(text).toBe(frames.join(''));
    expect(error).toBeInstanceOf(Error);
    expect(server.streamsClosedByClient).toBe(0);
  });

  it('counts a stream the client closed before the server ended it', async () => {
    const frame = sseData({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] });
    server.enqueueStream({ frames: Array.from({ length: 50 }, () => frame), frameDelayMs: 20 });
    const controller = new AbortController();
    const response = await post(streamBody('slow'), controller.signal);
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await vi.waitFor(() => expect(server.streamsClosedByClient).toBe(1));
  });
});
