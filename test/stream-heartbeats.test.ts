import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

const keepAlive = ': keep-alive';

/** Providers whose pauses (latency, between chunks) are floors well above the 100 ms heartbeat. */
const providers = {
  // One slot: a second call waits in the queue while the first streams.
  busy: { type: 'mock', latencyMs: 0, streamIntervalMs: 400, concurrency: 1 },
  slow: { type: 'mock', latencyMs: 400, streamIntervalMs: 400 },
};
const models = {
  'busy-echo': { routes: [{ provider: 'busy', model: 'echo' }] },
  'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }] },
};

interface OpenStream {
  status: number;
  /** Reads until `done(text so far)` holds, or the body ends; the text read so far. */
  readUntil(done: (text: string) => boolean): Promise<string>;
  readToEnd(): Promise<string>;
}

async function openStream(harness: TestGateway, key: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<OpenStream> {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, ...body }),
    ...(signal ? { signal } : {}),
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const readUntil = async (done: (text: string) => boolean) => {
    while (reader && !done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
    }
    return text;
  };
  return { status: response.status, readUntil, readToEnd: () => readUntil(() => false) };
}

/** The SSE events of a body: `data: …` lines and comment lines, in order. */
function eventsOf(body: string): string[] {
  return body.split('\n\n').filter((event) => event.length > 0);
}

describe('SSE heartbeats (server.streamHeartbeatIntervalMs 100)', () => {
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    harness = await startTestGateway({ config: { server: { streamHeartbeatIntervalMs: 100 }, providers, models } });
    ({ key } = await harness.createKey('heartbeats'));
  });
  afterAll(async () => harness?.close());

  it('sends keep-alive comments while the call waits in its queue, then between chunks', async () => {
    // Occupy the provider's one slot with a long stream until the queued call has heard a heartbeat.
    const occupant = new AbortController();
    const blocker = await openStream(harness, key, { model: 'busy-echo', messages: [{ role: 'user', content: 'a b c d e f g h i j k l m n o p' }] }, occupant.signal);
    await blocker.readUntil((text) => text.includes('data: '));

    const queued = await openStream(harness, key, { model: 'busy-echo', messages: [{ role: 'user', content: 'one two three' }] });
    // The headers came with the first heartbeat: the response is committed while the call is queued.
    expect(queued.status).toBe(200);
    const whileQueued = await queued.readUntil((text) => text.includes(keepAlive));
    expect(whileQueued).toContain(keepAlive);
    expect(whileQueued).not.toContain('data:');
    occupant.abort();

    const events = eventsOf(await queued.readToEnd());
    expect(events[0]).toBe(keepAlive);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const dataIndexes = events.flatMap((event, index) => (event.startsWith('data: ') ? [index] : []));
    // The mock pauses 400 ms between chunks: a heartbeat falls into each pause.
    const gaps = dataIndexes.slice(1, -1).map((index, position) => events.slice((dataIndexes[position] ?? 0) + 1, index));
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    expect(gaps.every((gap) => gap.length > 0 && gap.every((event) => event === keepAlive))).toBe(true);
    const text = events
      .filter((event) => event.startsWith('data: {'))
      .map((event) => (JSON.parse(event.slice('data: '.length)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('one two three');
  });

  it('is read by the official SDK as the plain stream, comments skipped', async () => {
    const raw: string[] = [];
    // The SDK's own fetch, with a copy of each response body kept for the assertions below.
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const [forSdk, forTest] = response.body ? response.body.tee() : [null, null];
      if (forTest) void new Response(forTest).text().then((text) => raw.push(text));
      return new Response(forSdk, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0, fetch: recordingFetch });
    const stream = await client.chat.completions.create({
      model: 'slow-echo',
      messages: [{ role: 'user', content: 'heard through the SDK' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('heard through the SDK');
    expect(chunks[chunks.length - 1]?.usage?.total_tokens).toBeGreaterThan(0);
    await expect.poll(() => raw.length).toBe(1);
    const events = eventsOf(raw[0] ?? '');
    expect(events[0]).toBe(keepAlive);
    // Every event the SDK did not yield is a heartbeat (or the closing [DONE]).
    expect(events.filter((event) => event.startsWith('data: {'))).toHaveLength(chunks.length);
    expect(events.filter((event) => event === keepAlive).length).toBeGreaterThanOrEqual(4);
  });

  it('ends a committed stream that then fails with an error event the SDK raises', async () => {
    // The slow mock fails after its 400 ms latency: the first heartbeat has committed status 200 by then.
    const failing = await openStream(harness, key, { model: 'slow-echo', messages: [{ role: 'user', content: 'mock:error:400' }] });
    expect(failing.status).toBe(200);
    const events = eventsOf(await failing.readToEnd());
    expect(events[0]).toBe(keepAlive);
    const last = events[events.length - 1] ?? '';
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({ error: { code: expect.any(String) } });
    expect(events).not.toContain('data: [DONE]');

    const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'slow-echo', messages: [{ role: 'user', content: 'mock:error:400' }], stream: true });
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it('keeps HTTP statuses for refusals before the call is queued', async () => {
    const unknown = await openStream(harness, key, { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
    expect(unknown.status).toBe(404);
    expect(await unknown.readToEnd()).not.toContain(keepAlive);
  });
});

describe('SSE heartbeats off (server.streamHeartbeatIntervalMs 0)', () => {
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    harness = await startTestGateway({ config: { server: { streamHeartbeatIntervalMs: 0 }, providers, models } });
    ({ key } = await harness.createKey('no-heartbeats'));
  });
  afterAll(async () => harness?.close());

  it('sends none, however long the call waits', async () => {
    const stream = await openStream(harness, key, { model: 'slow-echo', messages: [{ role: 'user', content: 'quiet please' }] });
    expect(stream.status).toBe(200);
    const events = eventsOf(await stream.readToEnd());
    expect(events.every((event) => event.startsWith('data: '))).toBe(true);
    expect(events.length).toBeGreaterThan(3);
  });
});
