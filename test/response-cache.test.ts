import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { testRedisUrl } from './support/test-services.ts';

/** The exact-match response cache, end to end: API-served hits, stores, bypasses, isolation, TTLs. */
describe('response cache', () => {
  const upstream = new OpenAIWireServer();
  let harness: TestGateway;
  let redis: Redis;
  let key: string;
  let otherKey: string;
  let counter = 0;
  /** A question no other test asked, so each test starts from an empty cache entry. */
  const fresh = () => `question ${(counter += 1)} ${Date.now()}`;
  const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], temperature: 0, ...extra });
  const url = () => `${harness.url}/v1/chat/completions`;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      config: {
        cache: { enabled: true, ttlSeconds: 600 },
        providers: { openai: { type: 'openai', baseUrl, apiKey: 'sk-upstream', maxAttempts: 1 } },
        models: {
          'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          'uncached-model': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }], cache: { enabled: false } },
        },
      },
    });
    ({ key } = await harness.createKey('cache-a'));
    ({ key: otherKey } = await harness.createKey('cache-b'));
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    redis?.disconnect();
    await harness?.close();
    await upstream.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('answers the second identical request from the cache: free, without calling the provider, recorded', async () => {
    const question = fresh();
    const first = await postJson(url(), chat(question), key);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-gateway-cache')).toBe('MISS');
    const firstCost = first.headers.get('x-gateway-cost');
    expect(Number(firstCost)).toBeGreaterThan(0);

    // Same request, keys in another order: the same entry.
    const second = await postJson(url(), { temperature: 0, messages: [{ content: question, role: 'user' }], model: 'gpt-4o-mini' }, key);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-gateway-cache')).toBe('HIT');
    expect(second.headers.get('x-gateway-cost')).toBe('0');
    expect(second.headers.get('server-timing')).toMatch(/^gateway;dur=\d+\.\d{3}$/);
    expect(second.body.choices).toEqual(first.body.choices);
    expect(second.body.usage).toMatchObject({ ...first.body.usage, cost: 0 });
    expect(upstream.requests).toHaveLength(1);

    const hitId = second.headers.get('x-request-id');
    await expect
      .poll(async () => (await harness.sql.query('SELECT cost::text, cost_saved::text, cache_hit, total_tokens FROM usage WHERE request_id = $1', [hitId])).rows)
      .toEqual([{ cost: '0.0000000000', cost_saved: Number(firstCost).toFixed(10), cache_hit: true, total_tokens: first.body.usage.total_tokens }]);
    const { rows } = await harness.sql.query('SELECT status, cache_status, attempts FROM requests WHERE id = ANY($1) ORDER BY created_at', [[first.headers.get('x-request-id'), hitId]]);
    expect(rows).toEqual([
      { status: 'completed', cache_status: 'miss', attempts: 1 },
      { status: 'completed', cache_status: 'hit', attempts: 0 },
    ]);
  });

  it('keeps each project to its own entries', async () => {
    const question = fresh();
    await postJson(url(), chat(question), key);
    const other = await postJson(url(), chat(question), otherKey);
    expect(other.headers.get('x-gateway-cache')).toBe('MISS');
    expect(upstream.requests).toHaveLength(2);
  });

  it('any parameter that changes the answer is part of the key; who asked is not', async () => {
    const question = fresh();
    await postJson(url(), chat(question), key);
    expect((await postJson(url(), chat(question, { temperature: 0.5 }), key)).headers.get('x-gateway-cache')).toBe('MISS');
    expect((await postJson(url(), chat(question, { max_tokens: 5 }), key)).headers.get('x-gateway-cache')).toBe('MISS');
    expect((await postJson(url(), chat(question, { user: 'someone-else', metadata: { team: 'a' } }), key)).headers.get('x-gateway-cache')).toBe('HIT');
  });

  it('bypasses on x-gateway-cache: bypass and Cache-Control: no-cache (which still stores the fresh answer)', async () => {
    const question = fresh();
    await postJson(url(), chat(question), key);
    const bypassed = await postJson(url(), chat(question), key, { 'x-gateway-cache': 'bypass' });
    expect(bypassed.headers.get('x-gateway-cache')).toBe('BYPASS');
    const refreshed = await postJson(url(), chat(question), key, { 'cache-control': 'no-cache' });
    expect(refreshed.headers.get('x-gateway-cache')).toBe('BYPASS');
    expect(upstream.requests).toHaveLength(3);
    expect((await postJson(url(), chat(question), key)).headers.get('x-gateway-cache')).toBe('HIT');
  });

  it('does not store with Cache-Control: no-store, nor failures, nor for a model with the cache off', async () => {
    const question = fresh();
    expect((await postJson(url(), chat(question), key, { 'cache-control': 'no-store' })).headers.get('x-gateway-cache')).toBe('MISS');
    expect((await postJson(url(), chat(question), key)).headers.get('x-gateway-cache')).toBe('MISS');

    const failing = fresh();
    upstream.enqueue(openaiError(400, { message: 'bad', type: 'invalid_request_error' }));
    expect((await postJson(url(), chat(failing), key)).status).toBe(400);
    expect((await postJson(url(), chat(failing), key)).headers.get('x-gateway-cache')).toBe('MISS');

    const off = fresh();
    const uncached = { ...chat(off), model: 'uncached-model' };
    expect((await postJson(url(), uncached, key)).headers.get('x-gateway-cache')).toBe('BYPASS');
    expect((await postJson(url(), uncached, key)).headers.get('x-gateway-cache')).toBe('BYPASS');
    expect(upstream.requests).toHaveLength(6);
  });

  it('expires entries after their TTL (per request: x-gateway-cache-ttl)', async () => {
    const question = fresh();
    await postJson(url(), chat(question), key, { 'x-gateway-cache-ttl': '1' });
    expect((await postJson(url(), chat(question), key)).headers.get('x-gateway-cache')).toBe('HIT');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await postJson(url(), chat(question), key)).headers.get('x-gateway-cache')).toBe('MISS');
  });

  it('refuses unreadable cache headers with a 400', async () => {
    const bad = await postJson(url(), chat(fresh()), key, { 'x-gateway-cache-ttl': 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request_body', param: 'x-gateway-cache-ttl' });
  });

  it('replays a cached answer as a stream, and stores a streamed answer for later calls', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const question = fresh();
    const whole = await postJson(url(), chat(question), key);
    const { data: stream, response } = await client.chat.completions.create({ ...chat(question), stream: true, stream_options: { include_usage: true } } as never).withResponse();
    expect(response.headers.get('x-gateway-cache')).toBe('HIT');
    let text = '';
    let usage: unknown;
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.body.choices[0].message.content);
    expect(usage).toMatchObject({ total_tokens: whole.body.usage.total_tokens, cost: 0 });

    const streamedFirst = fresh();
    const streamed = await client.chat.completions.create({ ...chat(streamedFirst), stream: true } as never);
    for await (const _chunk of streamed as unknown as AsyncIterable<unknown>) {
      // drain
    }
    const after = await postJson(url(), chat(streamedFirst), key);
    expect(after.headers.get('x-gateway-cache')).toBe('HIT');
    expect(after.body.choices[0].message.content).toBe(`echo: ${streamedFirst}`);
  });

  it('drops an entry that does not parse and serves the request normally', async () => {
    const question = fresh();
    await postJson(url(), chat(question), key);
    const keys = await redis.keys(`${harness.prefix}:cache:*`);
    const entries = await Promise.all(keys.map(async (name) => ({ name, value: await redis.get(name) })));
    const entry = entries.find((candidate) => candidate.value?.includes(question));
    expect(entry).toBeDefined();
    await redis.set(entry!.name, '{"completion": "not a completion"');
    const served = await postJson(url(), chat(question), key);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-gateway-cache')).toBe('MISS');
    expect(served.body.choices[0].message.content).toBe(`echo: ${question}`);
    expect(JSON.parse((await redis.get(entry!.name)) ?? '{}')).toMatchObject({ provider: 'openai', upstreamModel: 'gpt-4o-mini' });
  });

  it('serves async jobs and batch lines from the cache too, recorded as hits', async () => {
    const question = fresh();
    await postJson(url(), chat(question), key);
    const job = await postJson(`${harness.url}/v1/async/chat/completions`, chat(question), key);
    expect(job.status).toBe(202);
    await expect
      .poll(async () => (await harness.sql.query('SELECT r.status, r.cache_status, u.cache_hit FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.id = $1', [job.body.id])).rows)
      .toEqual([{ status: 'completed', cache_status: 'hit', cache_hit: true }]);

    const batch = await postJson(
      `${harness.url}/v1/batches`,
      {
        requests: [
          { custom_id: 'cached', body: chat(question) },
          { custom_id: 'new', body: chat(fresh()) },
        ],
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      },
      key,
    );
    expect(batch.status).toBe(200);
    await expect
      .poll(async () => (await harness.sql.query("SELECT custom_id, cache_status FROM requests WHERE batch_id = $1 AND status = 'completed' ORDER BY custom_id", [batch.body.id])).rows, {
        timeout: 10_000,
      })
      .toEqual([
        { custom_id: 'cached', cache_status: 'hit' },
        { custom_id: 'new', cache_status: 'miss' },
      ]);
    // The one upstream call of the whole test is the first sync one, and the batch's new line.
    expect(upstream.requests).toHaveLength(2);
  });
});
