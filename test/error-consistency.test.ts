import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIWireServer, echoCompletion, openaiError, type RecordedRequest, type ScriptedResponse } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const jsonl = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

/**
 * One cause, one error: the code a client reads in the HTTP answer is the code of the request log line
 * and of `GET /v1/requests/{id}`; the same provider 400 reads the same in sync, async and batch answers;
 * where to fix the gateway's config is in the log, never in a tenant's answer.
 */
describe('error consistency across answers, records and logs', () => {
  const upstream = new OpenAIWireServer();
  const captured: string[] = [];
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      environment: { LOG_LEVEL: 'info' },
      logDestination: { write: (line: string) => void captured.push(line) },
      config: {
        server: { requestTimeoutMs: 2000 },
        providers: {
          openai: { type: 'openai', baseUrl, apiKey: 'sk-upstream-secret-0123456789', maxAttempts: 1, timeoutMs: 300, concurrency: 4 },
          slow: { type: 'mock', latencyMs: 5000, timeoutMs: 10_000 },
        },
        models: { 'gpt-4o-mini': { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] }, 'slow-model': { routes: [{ provider: 'slow', model: 'echo' }] } },
        batches: { chunkSize: 4 },
      },
    });
    key = (await harness.createKey('errors')).key;
  });
  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const logLines = (): LogLine[] => captured.map((line) => JSON.parse(line) as LogLine);
  const settledLine = async (requestId: string) => {
    await expect.poll(() => logLines().some((line) => line.msg === 'request settled' && line.requestId === requestId), { timeout: 5000, interval: 20 }).toBe(true);
    return logLines().find((line) => line.msg === 'request settled' && line.requestId === requestId)!;
  };
  const requestLog = async (requestId: string) => {
    const response = await fetch(`${harness.url}/v1/requests/${requestId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as { error: { code: string | null; message: string | null } | null; route_attempts: Array<{ code: string | null }> };
  };
  const chat = (content = 'hello') => postJson(`${harness.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, key);

  const slowAnswer = (request: RecordedRequest): ScriptedResponse => ({ ...echoCompletion(request), delayMs: 1500 });
  it.each([
    ['401', openaiError(401, { message: 'Incorrect API key provided: sk-upstr***', type: 'invalid_request_error', code: 'invalid_api_key' }), 502, 'provider_auth_error'],
    ['429', openaiError(429, { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after-ms': '0' }), 429, 'provider_rate_limited'],
    ['400', openaiError(400, { message: "Invalid value for 'temperature'.", type: 'invalid_request_error', code: 'invalid_value' }), 400, 'invalid_value'],
    ['500', openaiError(500, { message: 'The server had an error while processing your request.', type: 'server_error' }), 502, 'provider_error'],
    ['timeout', slowAnswer, 504, 'provider_timeout'],
  ] as const)('a provider %s has one code in the answer, the request log line and GET /v1/requests/{id}', async (_cause, scripted, status, code) => {
    upstream.enqueue(scripted);
    const response = await chat();
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    const requestId = response.headers.get('x-request-id')!;
    expect(await settledLine(requestId)).toMatchObject({ status: 'failed', statusCode: status, errorCode: code });
    const log = await requestLog(requestId);
    expect(log.error?.code).toBe(code);
    expect(log.error?.message).toBe(response.body.error.message);
  });

  it('a call still running at the request timeout has one code in the answer, the log line and the record', async () => {
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'slow-model', messages: [{ role: 'user', content: 'wait' }] }, key);
    expect(response.status).toBe(504);
    expect(response.body.error.code).toBe('request_timeout');
    const requestId = response.headers.get('x-request-id')!;
    expect(await settledLine(requestId)).toMatchObject({ status: 'failed', statusCode: 504, errorCode: 'request_timeout' });
    expect((await requestLog(requestId)).error?.code).toBe('request_timeout');
  });

  it("keeps config hints and the provider's words about the gateway's key out of tenants' answers, and in the log", async () => {
    upstream.enqueue(openaiError(401, { message: 'Incorrect API key provided: sk-upstr***', type: 'invalid_request_error', code: 'invalid_api_key' }));
    const response = await chat('who am I');
    expect(response.status).toBe(502);
    const internal = /providers\.|apiKey|config|GATEWAY_|sk-upstr/;
    expect(response.body.error.message).toMatch(/rejected the gateway's credentials/);
    expect(response.body.error.message).not.toMatch(internal);
    const requestId = response.headers.get('x-request-id')!;
    expect((await requestLog(requestId)).error?.message).not.toMatch(internal);

    const logged = logLines().find((line) => line.msg === 'provider call failed; giving up' && line.requestId === requestId);
    expect(logged).toMatchObject({ errorCode: 'provider_auth_error' });
    expect(logged?.hint).toContain('providers.openai.apiKey');
    expect(logged?.hint).toContain('Incorrect API key provided');
  });

  it('answers the same provider 400 with the same status, type, code and message: sync, async, batch file and inline results', async () => {
    // A vendor type OpenAI never uses: every answer shows OpenAI's type for the status instead.
    const providerError = () => openaiError(400, { message: "'max_tokens' is too large for this model.", type: 'BadRequestError', code: 'max_tokens_too_large' });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too much' }], max_tokens: 100_000 };

    upstream.enqueue(providerError());
    const sync = await postJson(`${harness.url}/v1/chat/completions`, body, key);
    expect(sync.status).toBe(400);
    const expected = sync.body.error as { message: string; type: string; code: string };
    expect(expected).toMatchObject({ type: 'invalid_request_error', code: 'max_tokens_too_large', message: "'max_tokens' is too large for this model." });
    const pick = (error: { message: string; type: string; code: string }) => ({ message: error.message, type: error.type, code: error.code });

    upstream.enqueue(providerError());
    const accepted = await postJson(`${harness.url}/v1/async/chat/completions`, body, key);
    expect(accepted.status).toBe(202);
    const poll = async () => (await (await fetch(`${harness.url}/v1/async/chat/completions/${accepted.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, any>;
    await expect.poll(async () => (await poll()).status, { timeout: 5000, interval: 20 }).toBe('failed');
    const job = await poll();
    expect(job.error.status_code).toBe(400);
    expect(pick(job.error)).toEqual(pick(expected));

    upstream.enqueue(providerError());
    const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const file = await client.files.create({
      file: await toFile(Buffer.from(jsonl([{ custom_id: 'only', method: 'POST', url: '/v1/chat/completions', body }])), 'input.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect.poll(async () => (await client.batches.retrieve(batch.id)).status, { timeout: 15_000, interval: 50 }).toBe('completed');
    const done = await client.batches.retrieve(batch.id);
    const lines = (await (await client.files.content(done.error_file_id!)).text()).split('\n').filter((line) => line.length > 0);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { response: { status_code: number; body: { error: { message: string; type: string; code: string } } }; error: { code: string; message: string } };
    expect(line.response.status_code).toBe(400);
    expect(pick(line.response.body.error)).toEqual(pick(expected));
    expect(line.error).toEqual({ code: expected.code, message: expected.message });

    const inline = (await (await fetch(`${harness.url}/v1/batches/${batch.id}/results`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<typeof line> };
    expect(inline.data).toHaveLength(1);
    expect(inline.data[0]!.response.status_code).toBe(400);
    expect(pick(inline.data[0]!.response.body.error)).toEqual(pick(expected));
    expect(upstream.requests).toHaveLength(3);
  });
});
