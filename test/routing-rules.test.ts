import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, postJson, type TestGateway } from './support/test-gateway.ts';

/**
 * Routing rules and the context-window check end to end: three mock providers stand for a budget, a
 * flagship and a vision deployment, so `x-gateway-route` names the one a rule chose. An OpenAI route
 * (never called: its context window is what is tested) points at a closed port.
 */
const config = {
  providers: {
    budget: { type: 'mock', latencyMs: 0 },
    flagship: { type: 'mock', latencyMs: 0 },
    vision: { type: 'mock', latencyMs: 0 },
    openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-never-called', maxAttempts: 1 },
  },
  models: {
    cheap: { routes: [{ provider: 'budget', model: 'classifier' }] },
    auto: {
      routes: [{ provider: 'flagship', model: 'echo' }],
      rules: [
        { name: 'vision', when: { images: true }, routes: [{ provider: 'vision', model: 'echo' }] },
        { name: 'batch-tier', when: { header: { 'x-tier': ['free', 'trial'] } }, use: 'cheap' },
        { name: 'team-ml', when: { metadata: { team: 'ml' } }, routes: [{ provider: 'flagship', model: 'echo' }] },
        { name: 'simple', when: { inputTokens: { max: 200 }, complexity: { max: 0.3 } }, use: 'cheap' },
      ],
    },
    'long-context': {
      routes: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'flagship', model: 'echo' },
      ],
    },
    'openai-only': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
    unchecked: {
      contextCheck: false,
      routes: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'flagship', model: 'echo' },
      ],
    },
  },
};

const complexTask = [
  'Refactor this service step by step.',
  '1. First, read the handler below.',
  '2. Then split the validation out of it.',
  '3. Finally, add tests. Why does it leak memory? Which pool should it use?',
  '```ts',
  'export async function handle(request) {',
  '  const body = JSON.parse(request.body);',
  '  return db.query(body);',
  '}',
  '```',
].join('\n');

describe('routing rules and the context-window check', () => {
  let harness: TestGateway;
  let key: string;
  const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) => postJson(`${harness.url}/v1/chat/completions`, body, key, headers);

  beforeAll(async () => {
    harness = await startTestGateway({ config });
    ({ key } = await harness.createKey('routing-rules'));
  });
  afterAll(async () => harness?.close());

  it('a short classification prompt goes to the budget route, a long complex one to the flagship', async () => {
    const simple = await chat({ model: 'auto', messages: [{ role: 'user', content: 'Classify as spam or not: "You won a prize"' }] });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('x-gateway-routing-rule')).toBe('simple');
    expect(simple.headers.get('x-gateway-route')).toBe('budget/classifier');
    const complex = await chat({
      model: 'auto',
      messages: [
        { role: 'system', content: 'You are a senior engineer. '.repeat(30) },
        { role: 'user', content: complexTask },
      ],
    });
    expect(complex.headers.get('x-gateway-routing-rule')).toBe('default');
    expect(complex.headers.get('x-gateway-route')).toBe('flagship/echo');
  });

  it('an image goes to the vision route, streamed too', async () => {
    const content = [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ];
    const answer = await chat({ model: 'auto', messages: [{ role: 'user', content }] });
    expect(answer.headers.get('x-gateway-routing-rule')).toBe('vision');
    expect(answer.headers.get('x-gateway-route')).toBe('vision/echo');
    const streamed = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content }] }),
    });
    await streamed.text();
    expect(streamed.headers.get('x-gateway-routing-rule')).toBe('vision');
    expect(streamed.headers.get('x-gateway-route')).toBe('vision/echo');
  });

  it('a header or body metadata chooses the rule', async () => {
    const tiered = await chat({ model: 'auto', messages: [{ role: 'user', content: complexTask }] }, { 'X-Tier': 'trial' });
    expect(tiered.headers.get('x-gateway-routing-rule')).toBe('batch-tier');
    expect(tiered.headers.get('x-gateway-route')).toBe('budget/classifier');
    const team = await chat({ model: 'auto', metadata: { team: 'ml' }, messages: [{ role: 'user', content: 'hi' }] });
    expect(team.headers.get('x-gateway-routing-rule')).toBe('team-ml');
    expect(team.headers.get('x-gateway-route')).toBe('flagship/echo');
  });

  it('a model without rules answers default', async () => {
    const answer = await chat({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.headers.get('x-gateway-routing-rule')).toBe('default');
  });

  it('routes whose context window cannot hold the request go after those that can, and the trail says so', async () => {
    const answer = await chat({ model: 'long-context', max_tokens: 200_000, messages: [{ role: 'user', content: 'write a long story' }] });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-gateway-route')).toBe('flagship/echo');
    const { rows } = await harness.sql.query<{ route_attempts: Array<{ provider: string; outcome: string; code: string }> }>('SELECT route_attempts FROM requests WHERE id = $1', [
      answer.headers.get('x-request-id'),
    ]);
    expect(rows[0]?.route_attempts[0]).toMatchObject({ provider: 'openai', outcome: 'skipped', code: 'context_window' });
  });

  it('a request no route can hold is refused with context_length_exceeded, in each API format', async () => {
    const refused = await chat({ model: 'openai-only', max_tokens: 200_000, messages: [{ role: 'user', content: 'write a long story' }] });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: {
        message: expect.stringMatching(/^This request needs 2000\d\d tokens but the longest context window among this model's routes is 128000 \(route openai\/gpt-4o-mini\)\.$/),
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    });
    const messages = await postJson(`${harness.url}/v1/messages`, { model: 'openai-only', max_tokens: 200_000, messages: [{ role: 'user', content: 'write a long story' }] }, key);
    expect(messages.status).toBe(400);
    expect(messages.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('the longest context window among this model') } });
    const unchecked = await chat({ model: 'unchecked', max_tokens: 200_000, messages: [{ role: 'user', content: 'hi' }] });
    expect(unchecked.headers.get('x-gateway-route')).toBe('flagship/echo');
  });

  it('async jobs and batch lines follow the rules too, and the usage API groups by routing_rule', async () => {
    const get = async (path: string) => {
      const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      return (await response.json()) as Record<string, any>;
    };
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'auto', metadata: { team: 'ml' }, messages: [{ role: 'user', content: 'hi' }] }, key);
    expect(accepted.status).toBe(202);
    const batch = await postJson(
      `${harness.url}/v1/batches`,
      {
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        requests: [
          { custom_id: 'short', body: { model: 'auto', messages: [{ role: 'user', content: 'Is this spam? "Win now"' }] } },
          { custom_id: 'ml', body: { model: 'auto', metadata: { team: 'ml' }, messages: [{ role: 'user', content: 'hello' }] } },
        ],
      },
      key,
    );
    expect(batch.status).toBe(200);
    await expect.poll(async () => (await get(`/v1/async/chat/completions/${accepted.body.id}`)).status, { timeout: 30_000, interval: 100 }).toBe('completed');
    await expect.poll(async () => (await get(`/v1/batches/${batch.body.id}`)).status, { timeout: 60_000, interval: 100 }).toBe('completed');
    const lines = await harness.sql.query<{ custom_id: string; routing_rule: string; provider: string }>(
      'SELECT r.custom_id, u.routing_rule, r.provider FROM requests r JOIN usage u ON u.request_id = r.id WHERE r.batch_id = $1 ORDER BY r.custom_id',
      [batch.body.id],
    );
    expect(lines.rows).toEqual([
      { custom_id: 'ml', routing_rule: 'team-ml', provider: 'flagship' },
      { custom_id: 'short', routing_rule: 'simple', provider: 'budget' },
    ]);
    const job = await harness.sql.query<{ routing_rule: string }>('SELECT routing_rule FROM usage WHERE request_id = $1', [accepted.body.id]);
    expect(job.rows).toEqual([{ routing_rule: 'team-ml' }]);
    expect(await get(`/v1/requests/${accepted.body.id}`)).toMatchObject({ id: accepted.body.id, routing_rule: 'team-ml' });

    const from = String(Math.floor(Date.now() / 1000) - 3600);
    const to = String(Math.floor(Date.now() / 1000) + 3600);
    const report = await get(`/v1/usage?from=${from}&to=${to}&group_by=routing_rule`);
    const requestsByRule = Object.fromEntries(report.data.map((row: Record<string, any>) => [row.routing_rule ?? 'none', row.requests]));
    // Every request of this file: sync, streamed, the async job and the two batch lines; the refused ones were never queued.
    expect(requestsByRule).toEqual({ simple: 2, default: 4, vision: 2, 'batch-tier': 1, 'team-ml': 3 });
  });

  it('a batch line no route can hold is refused at create, with the same code', async () => {
    const created = await postJson(
      `${harness.url}/v1/batches`,
      {
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        requests: [
          { custom_id: 'fits', body: { model: 'openai-only', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] } },
          { custom_id: 'too-long', body: { model: 'openai-only', max_tokens: 200_000, messages: [{ role: 'user', content: 'hi' }] } },
        ],
      },
      key,
    );
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain('context_length_exceeded');
  });
});
