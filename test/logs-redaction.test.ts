import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIWireServer, openaiError } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

/** No recognisable shape (no `sk-`): only never logging it keeps it out, not pattern scrubbing. */
const providerKey = 'provider-credential-7Hq2Xw9Lm4Rt8Yv3Zp6';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * A whole run at `trace` with its log captured: key creation, sync and streamed calls, a provider
 * 401, an async job with a signed webhook, a batch. Every settled request has exactly one
 * `request settled` line, and no secret of the run appears anywhere in the log.
 */
describe('request log and redaction (a full run at trace level)', () => {
  const upstream = new OpenAIWireServer();
  const captured: string[] = [];
  let harness: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    receiver = await startWebhookReceiver();
    harness = await startTestGateway({
      environment: { LOG_LEVEL: 'trace' },
      logDestination: { write: (line: string) => void captured.push(line) },
      config: {
        providers: { openai: { type: 'openai', baseUrl, apiKey: providerKey, maxAttempts: 1 } },
        models: { 'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
        webhooks: { allowHosts: ['127.0.0.1'], retryScheduleMs: [50], timeoutMs: 1000 },
      },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
    await upstream.stop();
  });

  const logLines = (): LogLine[] => captured.map((line) => JSON.parse(line) as LogLine);
  const settledLines = () => logLines().filter((line) => line.msg === 'request settled');

  it('logs one line per settled request and no key, admin key or webhook secret', async () => {
    const first = await harness.createKey('logged');
    const second = await harness.createKey('logged');
    const rotated = await fetch(`${harness.url}/admin/projects/logged/webhook-secret`, { method: 'POST', headers: { authorization: `Bearer ${testAdminKey}` } });
    const { secret } = (await rotated.json()) as { secret: string };
    expect(secret).toMatch(/^whsec_/);
    const chat = (key: string, content: string, extra: Record<string, unknown> = {}) =>
      postJson(`${harness.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }, key);

    const sync = [];
    for (let call = 0; call < 8; call += 1) sync.push(await chat(call % 2 === 0 ? first.key : second.key, `call ${call}`));
    const streamed = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'three' }] }),
    });
    expect(await streamed.text()).toContain('[DONE]');
    upstream.enqueue(openaiError(401, { message: 'Incorrect API key provided: provider-****************Zp6.', type: 'invalid_request_error', code: 'invalid_api_key' }));
    const refused = await chat(first.key, 'four');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const forged = await chat(`gw-${'x'.repeat(32)}`, 'five');
    expect(forged.status).toBe(401);

    const webhookUrl = receiver.route('/logged', { secret });
    const job = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'six' }], webhook: { url: webhookUrl } }, first.key);
    expect(job.status).toBe(202);
    const lines = Array.from({ length: 3 }, (_unused, index) => ({ custom_id: `l${index}`, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `line ${index}` }] } }));
    const batch = await postJson(`${harness.url}/v1/batches`, { requests: lines, endpoint: '/v1/chat/completions', completion_window: '24h' }, second.key);
    expect(batch.status).toBe(200);

    await expect.poll(() => receiver.received('/logged').length, { timeout: 10_000, interval: 25 }).toBe(1);
    expect(receiver.received('/logged')[0]?.verified).toBe(true);
    // 8 sync + 1 streamed + 1 refused by the provider + 1 async + 3 batch lines; the forged key never got a request.
    await expect.poll(() => settledLines().length, { timeout: 10_000, interval: 25 }).toBe(14);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settledLines()).toHaveLength(14);

    // The provider key was really in play: every upstream call carried it.
    expect(upstream.requests.length).toBe(14);
    expect(upstream.requests.every((request) => request.headers.authorization === `Bearer ${providerKey}`)).toBe(true);

    // Each request's line says what its record says.
    const syncIds = sync.map((response) => response.headers.get('x-request-id'));
    const ids = [...syncIds, streamed.headers.get('x-request-id'), refused.headers.get('x-request-id'), job.body.id as string];
    const batchRows = await harness.sql.query<{ id: string }>('SELECT id FROM requests WHERE batch_id = $1', [batch.body.id]);
    expect(batchRows.rows).toHaveLength(3);
    const { rows } = await harness.sql.query(
      `SELECT r.id, r.kind, r.api_key_id, r.project_id, r.model, r.provider, r.upstream_model, r.status, r.status_code, r.error_code, r.attempts,
              r.cache_status, r.streamed, r.batch_id, u.prompt_tokens, u.completion_tokens, u.cost::text AS cost
       FROM requests r LEFT JOIN usage u ON u.request_id = r.id WHERE r.id = ANY($1)`,
      [[...ids, ...batchRows.rows.map((row) => row.id)]],
    );
    expect(rows).toHaveLength(14);
    for (const row of rows) {
      const mine = settledLines().filter((line) => line.requestId === row.id);
      expect(mine, row.id).toHaveLength(1);
      const line = mine[0]!;
      expect(line).toMatchObject({
        component: 'requests',
        level: row.kind === 'batch' ? 20 : 30,
        kind: row.kind,
        keyId: row.api_key_id,
        projectId: row.project_id,
        model: row.model,
        provider: row.provider,
        upstreamModel: row.upstream_model,
        status: row.status,
        statusCode: row.status_code,
        errorCode: row.error_code,
        attempts: row.attempts,
        cacheStatus: row.cache_status,
        streamed: row.streamed,
        batchId: row.batch_id,
        promptTokens: row.prompt_tokens,
        completionTokens: row.completion_tokens,
      });
      expect(line.cost === null ? null : Number(line.cost)).toBe(row.cost === null ? null : Number(row.cost));
      expect(line.latencyMs).toEqual(expect.any(Number));
    }
    const byId = new Map(settledLines().map((line) => [line.requestId, line]));
    expect(byId.get(syncIds[0])).toMatchObject({
      status: 'completed',
      statusCode: 200,
      keyId: first.id,
      promptTokens: 19,
      completionTokens: 10,
      queueWaitMs: expect.any(Number),
      providerLatencyMs: expect.any(Number),
    });
    expect(byId.get(syncIds[1])).toMatchObject({ keyId: second.id });
    expect(byId.get(streamed.headers.get('x-request-id'))).toMatchObject({ streamed: true });
    // The provider refused the gateway's key: the line has the code the client read.
    expect(byId.get(refused.headers.get('x-request-id'))).toMatchObject({ status: 'failed', errorCode: 'provider_auth_error', promptTokens: null, cost: null });
    expect(byId.get(job.body.id)).toMatchObject({ kind: 'async', status: 'completed' });

    // Nothing secret anywhere, in a log that says a lot.
    const text = captured.join('');
    // Every kind of line this run writes is there: start-up, admin actions, the provider's 401 with its error, webhooks, batches.
    expect(captured.length).toBeGreaterThanOrEqual(25);
    const messages = new Set(logLines().map((line) => line.msg));
    for (const message of ['database migrations applied', 'gateway listening', 'api key created', 'webhook secret rotated', 'webhook delivered', 'batch finalized']) {
      expect(messages, message).toContain(message);
    }
    expect(logLines().some((line) => (line.err as { type?: string } | undefined)?.type === 'ProviderError')).toBe(true);
    const secrets = {
      providerKey,
      firstKey: first.key,
      firstKeyBody: first.key.slice('gw-'.length),
      secondKey: second.key,
      forgedKeyBody: 'x'.repeat(32),
      adminKey: testAdminKey,
      webhookSecret: secret,
      webhookSecretBody: secret.slice('whsec_'.length),
    };
    for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${name} is in the log`).toBe(false);
  });
});
