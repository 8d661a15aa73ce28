import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { hasSeries, parseExposition, sumOf, type Exposition } from './support/prometheus-text.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

const providers = ['openai', 'mock', 'flaky'];

/** `GET /metrics` end to end: counters move by what the requests did, and labels stay bounded. */
describe('Prometheus metrics', () => {
  const upstream = new OpenAIWireServer();
  const flaky = new OpenAIWireServer();
  let harness: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let key: string;
  let counter = 0;
  const fresh = () => `question ${(counter += 1)} ${Date.now()}`;

  beforeAll(async () => {
    const [upstreamUrl, flakyUrl] = await Promise.all([upstream.start(), flaky.start()]);
    harness = await startTestGateway({
      config: {
        cache: { enabled: true, ttlSeconds: 600 },
        providers: {
          openai: { type: 'openai', baseUrl: upstreamUrl, apiKey: 'sk-metrics-upstream', maxAttempts: 1 },
          mock: { type: 'mock', latencyMs: 0 },
          flaky: { type: 'openai', baseUrl: flakyUrl, apiKey: 'sk-metrics-flaky', maxAttempts: 1 },
        },
        models: {
          'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
          guarded: {
            routes: [
              { provider: 'flaky', model: 'gpt-4o-mini' },
              { provider: 'openai', model: 'gpt-4o-mini' },
            ],
          },
        },
        // Only `flaky` is judged; it stays open for the rest of the file once opened.
        breakers: { failureRate: 0.5, minRequests: 3, windowMs: 60_000, cooldownMs: 600_000, providers: { openai: { enabled: false }, mock: { enabled: false } } },
        webhooks: { allowHosts: ['127.0.0.1'], retryScheduleMs: [50], timeoutMs: 1000 },
      },
    });
    ({ key } = await harness.createKey('metrics'));
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
    await Promise.all([upstream.stop(), flaky.stop()]);
  });

  const scrape = async (): Promise<Exposition> => {
    const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    expect(response.status).toBe(200);
    return parseExposition(await response.text());
  };
  /** How far a metric moved since `before`, summed over series matching the labels. */
  const delta = async (before: Exposition, name: string, labels: Record<string, string> = {}) => sumOf(await scrape(), name, labels) - sumOf(before, name, labels);
  const settledDelta = (before: Exposition, labels: Record<string, string>, expected: number) =>
    expect.poll(() => delta(before, 'gateway_requests_total', labels), { timeout: 10_000, interval: 50 }).toBe(expected);
  const chat = (body: Record<string, unknown>) => postJson(`${harness.url}/v1/chat/completions`, body, key);
  const usageOf = async (requestIds: string[]) =>
    (
      await harness.sql.query<{ prompt: number; cached: number; completion: number; cost: string; saved: string }>(
        'SELECT sum(prompt_tokens)::int AS prompt, sum(cached_prompt_tokens)::int AS cached, sum(completion_tokens)::int AS completion, sum(cost)::text AS cost, sum(cost_saved)::text AS saved FROM usage WHERE request_id = ANY($1)',
        [requestIds],
      )
    ).rows[0]!;

  it('answers only with the admin key, in the text exposition format', async () => {
    expect((await fetch(`${harness.url}/metrics`)).status).toBe(401);
    const withApiKey = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(withApiKey.status).toBe(401);
    expect(((await withApiKey.json()) as { error: { code: string } }).error.code).toBe('invalid_admin_key');
    const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exposition = parseExposition(await response.text());
    // Process metrics under their standard names.
    expect(hasSeries(exposition, 'process_cpu_user_seconds_total')).toBe(true);
    expect(hasSeries(exposition, 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts sync calls, cache misses and hits, tokens and cost exactly as billed', async () => {
    const before = await scrape();
    const question = fresh();
    const first = await chat({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: question }] });
    const hit = await chat({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: question }] });
    const other = await chat({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: fresh() }] });
    expect([first, hit, other].map((response) => [response.status, response.headers.get('x-gateway-cache')])).toEqual([
      [200, 'MISS'],
      [200, 'HIT'],
      [200, 'MISS'],
    ]);
    const sync = { kind: 'sync', model: 'gpt-4o-mini', provider: 'openai', status: 'completed', status_class: '2xx' };
    await settledDelta(before, { model: 'gpt-4o-mini' }, 3);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
    expect(moved('gateway_requests_total', { ...sync, cache: 'miss' })).toBe(2);
    expect(moved('gateway_requests_total', { ...sync, cache: 'hit' })).toBe(1);
    expect(moved('gateway_cache_lookups_total', { result: 'miss' })).toBe(2);
    expect(moved('gateway_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(moved('gateway_request_duration_seconds_count', { kind: 'sync', model: 'gpt-4o-mini', provider: 'openai' })).toBe(3);
    // A hit never waited in a queue nor called the provider.
    expect(moved('gateway_queue_wait_seconds_count', { kind: 'sync', provider: 'openai' })).toBe(2);
    expect(moved('gateway_provider_duration_seconds_count', { provider: 'openai', model: 'gpt-4o-mini' })).toBe(2);

    const ids = [first, hit, other].map((response) => response.headers.get('x-request-id') ?? '');
    const billed = await usageOf(ids);
    expect(billed.prompt).toBe(3 * 19);
    const tokens = { model: 'gpt-4o-mini', provider: 'openai' };
    expect(moved('gateway_tokens_total', { ...tokens, type: 'input' })).toBe(billed.prompt);
    expect(moved('gateway_tokens_total', { ...tokens, type: 'cached_input' })).toBe(billed.cached);
    expect(moved('gateway_tokens_total', { ...tokens, type: 'output' })).toBe(billed.completion);
    expect(Number(billed.cost)).toBeGreaterThan(0);
    expect(moved('gateway_cost_usd_total', tokens)).toBeCloseTo(Number(billed.cost), 12);
    expect(Number(billed.saved)).toBeGreaterThan(0);
    expect(moved('gateway_cost_saved_usd_total', { model: 'gpt-4o-mini' })).toBeCloseTo(Number(billed.saved), 12);
  });

  it('counts failures by status class, a stream, and folds a made-up model name into a bounded label', async () => {
    const before = await scrape();
    upstream.enqueue(openaiError(401, { message: 'Incorrect API key provided: sk-metr*******ream.', type: 'invalid_request_error', code: 'invalid_api_key' }));
    const failed = await chat({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: fresh() }] });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const streamed = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', stream: true, messages: [{ role: 'user', content: 'one two three' }] }),
    });
    expect(await streamed.text()).toContain('[DONE]');
    const madeUp = await chat({ model: 'openai/some-random-string-123', messages: [{ role: 'user', content: fresh() }] });
    expect(madeUp.status).toBe(200);

    await settledDelta(before, {}, 3);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
    const { rows } = await harness.sql.query<{ status_code: number }>('SELECT status_code FROM requests WHERE id = $1', [failed.headers.get('x-request-id')]);
    const failedClass = `${Math.floor(rows[0]!.status_code / 100)}xx`;
    expect(moved('gateway_requests_total', { kind: 'sync', model: 'gpt-4o-mini', provider: 'openai', status: 'failed', status_class: failedClass })).toBe(1);
    expect(moved('gateway_requests_total', { kind: 'sync', model: 'mock-echo', provider: 'mock', status: 'completed' })).toBe(1);
    expect(moved('gateway_requests_total', { model: 'openai/other', provider: 'openai', status: 'completed' })).toBe(1);
    expect(moved('gateway_provider_duration_seconds_count', { provider: 'openai', model: 'other' })).toBe(1);
    expect(JSON.stringify(after.samples)).not.toContain('some-random-string-123');
  });

  it('counts batch lines, an async job and its webhook delivery', async () => {
    const before = await scrape();
    const requests = Array.from({ length: 3 }, (_unused, index) => ({ custom_id: `line-${index}`, body: { model: 'mock-echo', messages: [{ role: 'user', content: `line ${index}` }] } }));
    const batch = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/chat/completions', completion_window: '24h' }, key);
    expect(batch.status).toBe(200);
    const url = receiver.route('/job');
    const job = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'later' }], webhook: { url } }, key);
    expect(job.status).toBe(202);

    await settledDelta(before, { kind: 'batch', model: 'mock-echo', provider: 'mock', status: 'completed' }, 3);
    await settledDelta(before, { kind: 'async', model: 'mock-echo', provider: 'mock', status: 'completed' }, 1);
    await expect.poll(() => delta(before, 'gateway_webhook_deliveries_total', { event_type: 'job.completed', outcome: 'delivered' }), { timeout: 10_000, interval: 50 }).toBe(1);
    const after = await scrape();
    expect(sumOf(after, 'gateway_request_duration_seconds_count', { kind: 'batch' }) - sumOf(before, 'gateway_request_duration_seconds_count', { kind: 'batch' })).toBe(3);
    expect(sumOf(after, 'gateway_queue_wait_seconds_count', { kind: 'async' }) - sumOf(before, 'gateway_queue_wait_seconds_count', { kind: 'async' })).toBe(1);
    expect(receiver.received('/job')).toHaveLength(1);
  });

  it("labels requests with the client format they came in through, a batch line with its endpoint's", async () => {
    const before = await scrape();
    const chatted = await chat({ model: 'mock-echo', messages: [{ role: 'user', content: fresh() }] });
    const message = await postJson(`${harness.url}/v1/messages`, { model: 'mock-echo', max_tokens: 50, messages: [{ role: 'user', content: fresh() }] }, key);
    const response = await postJson(`${harness.url}/v1/responses`, { model: 'mock-echo', input: fresh(), store: false }, key);
    expect([chatted.status, message.status, response.status]).toEqual([200, 200, 200]);
    const requests = [{ custom_id: 'r-0', body: { model: 'mock-echo', input: fresh() } }];
    expect((await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/responses', completion_window: '24h' }, key)).status).toBe(200);

    const sync = { kind: 'sync', model: 'mock-echo', status: 'completed' };
    await settledDelta(before, { kind: 'batch', format: 'responses' }, 1);
    for (const format of ['chat', 'messages', 'responses']) await settledDelta(before, { ...sync, format }, 1);
  });

  it('counts webhook attempts by outcome: retrying, delivered, failed, disabled', async () => {
    const before = await scrape();
    const { project_id: projectId } = await harness.createKey('metrics-hooks');
    const notify = (path: string, steps: number[], type: 'batch.completed' | 'batch.failed' | 'job.failed', subjectId: string) =>
      harness.gateway.webhooks.notify({ projectId, url: receiver.route(path, { steps }), type, subjectId, data: { id: subjectId } });
    // The schedule has one retry: two attempts in all.
    await notify('/recovers', [500, 200], 'batch.completed', 'batch_recovers');
    await notify('/broken', [500], 'batch.failed', 'batch_broken');
    await notify('/gone', [410], 'job.failed', 'job_gone');
    const moved = (labels: Record<string, string>) => delta(before, 'gateway_webhook_deliveries_total', labels);
    await expect.poll(() => moved({}), { timeout: 10_000, interval: 50 }).toBe(5);
    expect(await moved({ event_type: 'batch.completed', outcome: 'retrying' })).toBe(1);
    expect(await moved({ event_type: 'batch.completed', outcome: 'delivered' })).toBe(1);
    expect(await moved({ event_type: 'batch.failed', outcome: 'retrying' })).toBe(1);
    expect(await moved({ event_type: 'batch.failed', outcome: 'failed' })).toBe(1);
    expect(await moved({ event_type: 'job.failed', outcome: 'disabled' })).toBe(1);
  });

  it('exports job counts of every provider queue and the state of an open breaker', async () => {
    for (let call = 0; call < 3; call += 1) {
      flaky.enqueue(openaiError(503, { message: 'Engine overloaded', type: 'server_error' }));
      expect((await chat({ model: 'guarded', messages: [{ role: 'user', content: fresh() }] })).status).toBe(200);
    }
    const exposition = await scrape();
    for (const provider of providers) {
      for (const queue of [`chat-${provider}`, `batch-${provider}`]) {
        for (const state of ['waiting', 'active', 'delayed', 'failed', 'prioritized']) {
          expect(hasSeries(exposition, 'gateway_queue_jobs', { queue, state }), `${queue} ${state}`).toBe(true);
        }
      }
    }
    expect(sumOf(exposition, 'gateway_breaker_state', { provider: 'flaky', model: '' })).toBe(2);
    expect(sumOf(exposition, 'gateway_breaker_state', { provider: 'flaky', model: 'gpt-4o-mini' })).toBe(2);
    expect(sumOf(exposition, 'gateway_metrics_read_failures_total')).toBe(0);
  });

  it('follows the naming rules and never puts request ids or client strings in labels', async () => {
    const exposition = await scrape();
    const families = [...exposition.types].filter(([name]) => name.startsWith('gateway_'));
    expect(families.length).toBeGreaterThanOrEqual(12);
    for (const [name, type] of families) {
      expect(name).toMatch(/^[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      if (/duration|wait|latency/.test(name)) expect(name).toMatch(/_seconds$/);
      if (type === 'histogram') expect(name).toMatch(/_seconds$/);
    }
    const labelValues = exposition.samples.filter((sample) => sample.name.startsWith('gateway_')).flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.length).toBeGreaterThan(50);
    expect(labelValues.filter((value) => /req_|batch_|chatcmpl|question|line-/.test(value))).toEqual([]);
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics without the admin key from a worker-role process, and nothing else', async () => {
    const worker = await startTestGateway({ environment: { GATEWAY_ROLE: 'worker', METRICS_PORT: '0' } });
    try {
      expect(worker.gateway.app).toBeUndefined();
      const metricsUrl = worker.gateway.metricsUrl ?? '';
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${metricsUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const exposition = parseExposition(await response.text());
      expect(hasSeries(exposition, 'gateway_queue_jobs', { queue: 'chat-mock', state: 'waiting' })).toBe(true);
      expect(hasSeries(exposition, 'process_resident_memory_bytes')).toBe(true);
      expect((await fetch(`${metricsUrl}/admin/keys`)).status).toBe(404);
    } finally {
      await worker.close();
    }
  });
});
