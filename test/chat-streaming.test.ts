import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, postJson, type TestGateway } from './support/test-gateway.ts';

const config = {
  providers: {
    mock: { type: 'mock', latencyMs: 0 },
    slow: { type: 'mock', latencyMs: 0, streamIntervalMs: 200, concurrency: 1 },
  },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
    'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }] },
  },
};

/** `stream: true` through the queue, read by the official SDK's stream reader. */
describe('streamed chat completions (mock provider)', () => {
  let harness: TestGateway;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    harness = await startTestGateway({ config });
    ({ key } = await harness.createKey('streaming'));
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => harness?.close());

  it('streams chunks the SDK reads, with include_usage and a recorded, billed request', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'mock-echo', messages: [{ role: 'user', content: 'one two three four' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const requestId = response.headers.get('x-request-id');
    expect(response.headers.get('x-gateway-route')).toBe('mock/echo');
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    const text = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(text).toBe('one two three four');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.length).toBeGreaterThan(4);
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
    // Every other chunk says `usage: null`, as OpenAI's do.
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);

    const { rows } = await harness.sql.query<{ status: string; response: { choices: Array<{ message: { content: string } }> }; total_tokens: number }>(
      'SELECT r.status, r.response, u.total_tokens FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.id = $1',
      [requestId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe('completed');
    expect(rows[0]?.response.choices[0]?.message.content).toBe('one two three four');
    expect(rows[0]?.total_tokens).toBe(16);
  });

  it('writes exactly `data: <chunk JSON>\\n\\n` events that the SDK’s own SSE reader yields unchanged', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'bytes on the wire' }], stream: true, stream_options: { include_usage: true } }),
    });
    const raw = await response.clone().text();
    const fromSdk: unknown[] = [];
    for await (const chunk of Stream.fromSSEResponse<unknown>(response, new AbortController())) fromSdk.push(chunk);
    // Rebuilding the body from what the SDK yielded gives back the very bytes the gateway sent.
    expect(fromSdk.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('') + 'data: [DONE]\n\n').toBe(raw);
    expect(fromSdk.length).toBeGreaterThan(4);
  });

  it('without include_usage sends no usage chunk and no usage fields, and ends with [DONE]', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi there' }], stream: true }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    const events = body.split('\n\n').filter((event) => event.length > 0);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')) as Record<string, unknown>);
    expect(chunks.every((chunk) => chunk['object'] === 'chat.completion.chunk' && !('usage' in chunk))).toBe(true);
    expect(chunks.every((chunk) => Array.isArray(chunk['choices']) && chunk['choices'].length === 1)).toBe(true);
  });

  it('a failure before the first chunk is an ordinary HTTP error the SDK raises', async () => {
    await expect(client.chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'mock:error:400' }], stream: true })).rejects.toMatchObject({ status: 400 });
  });

  it('a failure after the first chunk ends the stream with an error event the SDK raises, and bills what was sent', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'mock-echo', messages: [{ role: 'user', content: 'mock:cut-stream and more words' }], stream: true })
      .withResponse();
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toMatchObject({ code: 'stream_interrupted' });
    expect(received.join('')).toBe('mock:cut-stream ');
    const { rows } = await harness.sql.query<{ status: string; error_code: string; completion_tokens: number; estimated: boolean }>(
      'SELECT r.status, r.error_code, u.completion_tokens, u.estimated FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.id = $1',
      [response.headers.get('x-request-id')],
    );
    // The code of the error event the client read (the provider's own code stays in the route attempts);
    // what was sent counted by the tokenizer: 5 tokens in o200k × 1.1 for a model of no known family.
    expect(rows).toEqual([{ status: 'failed', error_code: 'stream_interrupted', completion_tokens: 6, estimated: true }]);
  });

  it('a client that disconnects cancels the call, frees the slot and is recorded once', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'slow-echo', messages: [{ role: 'user', content: 'a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D' }], stream: true },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    // The SDK ends the loop quietly when its own signal aborts it.
    for await (const chunk of stream) {
      seen.push(chunk.id);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toHaveLength(2);
    // The provider has concurrency 1: a new call only gets through once the cancelled one let go of
    // its slot, long before the 28 remaining chunks (5.6 s) would have been streamed.
    const startedAt = Date.now();
    const next = await client.chat.completions.create({ model: 'slow-echo', messages: [{ role: 'user', content: 'quick' }] });
    expect(next.choices[0]?.message.content).toBe('quick');
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    await expect
      .poll(async () => {
        const { rows } = await harness.sql.query<{ status: string; error_code: string; status_code: number }>(
          "SELECT status, error_code, status_code FROM requests WHERE model = 'slow-echo' AND status = 'failed'",
        );
        return rows;
      })
      .toEqual([{ status: 'failed', error_code: 'client_closed_request', status_code: 499 }]);
  });

  it('refuses stream with n > 1 and stream_options without stream', async () => {
    const many = await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }], stream: true, n: 2 }, key);
    expect(many.status).toBe(400);
    expect(many.body.error).toMatchObject({ code: 'stream_not_supported', param: 'n' });
    const options = await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, key);
    expect(options.status).toBe(400);
    expect(options.body.error).toMatchObject({ code: 'invalid_request_body', param: 'stream_options' });
  });
});
