import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** Single async jobs: 202 at once, then poll or take the signed webhook. */
describe('async chat completion jobs', () => {
  let harness: TestGateway;
  let key: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    harness = await startTestGateway({
      config: {
        providers: { mock: { type: 'mock', latencyMs: 50, maxAttempts: 1 }, slow: { type: 'mock', latencyMs: 1500, maxAttempts: 1 } },
        models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] }, 'mock-slow': { routes: [{ provider: 'slow', model: 'echo' }] } },
        webhooks: { allowHosts: ['127.0.0.1'], retryScheduleMs: [50], timeoutMs: 1000 },
      },
    });
    key = (await harness.createKey('async-project')).key;
  });
  afterAll(async () => {
    await harness?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const submit = (body: unknown, apiKey = key) => postJson(`${harness.url}/v1/async/chat/completions`, body, apiKey);
  const poll = async (id: string, apiKey = key) =>
    (await fetch(`${harness.url}/v1/async/chat/completions/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })).json() as Promise<Record<string, any>>;

  it('answers 202 at once, then the job completes with its chat.completion and is billed', async () => {
    const accepted = await submit({ model: 'mock-echo', messages: [{ role: 'user', content: 'later, please' }] });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ object: 'chat.completion.job', status: 'queued', model: 'mock-echo', response: null, error: null });
    expect(accepted.body.id).toBe(accepted.headers.get('x-request-id'));

    await expect.poll(async () => (await poll(accepted.body.id)).status, { timeout: 5000, interval: 20 }).toBe('completed');
    const job = await poll(accepted.body.id);
    expect(job.response).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'later, please' } }] });
    expect(job.started_at).toEqual(expect.any(Number));
    expect(job.completed_at).toEqual(expect.any(Number));
    const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE request_id = $1', [job.id]);
    expect(rows[0].n).toBe(1);
  });

  it('cancels a job not settled yet: it stays cancelled, its running call is billed, a settled job is answered as it is', async () => {
    const cancel = async (id: string, apiKey = key) => fetch(`${harness.url}/v1/async/chat/completions/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
    const accepted = await submit({ model: 'mock-slow', messages: [{ role: 'user', content: 'never mind' }] });
    await expect.poll(async () => (await poll(accepted.body.id)).status, { timeout: 5000, interval: 20 }).toBe('in_progress');
    const cancelled = await cancel(accepted.body.id);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id: accepted.body.id, status: 'cancelled', response: null });
    // The call under way finishes and is billed; the job stays cancelled, without its answer.
    await expect.poll(async () => (await harness.sql.query('SELECT 1 FROM usage WHERE request_id = $1', [accepted.body.id])).rowCount, { timeout: 5000, interval: 50 }).toBe(1);
    expect(await poll(accepted.body.id)).toMatchObject({ status: 'cancelled', response: null });
    const done = await submit({ model: 'mock-echo', messages: [{ role: 'user', content: 'quick' }] });
    await expect.poll(async () => (await poll(done.body.id)).status, { timeout: 5000, interval: 20 }).toBe('completed');
    expect(await (await cancel(done.body.id)).json()).toMatchObject({ status: 'completed' });
    const other = (await harness.createKey('async-other-project')).key;
    expect((await cancel(accepted.body.id, other)).status).toBe(404);
  });

  it('reports a failed job with its error', async () => {
    const accepted = await submit({ model: 'mock-echo', messages: [{ role: 'user', content: 'mock:error:400' }] });
    await expect.poll(async () => (await poll(accepted.body.id)).status, { timeout: 5000, interval: 20 }).toBe('failed');
    const job = await poll(accepted.body.id);
    expect(job.response).toBeNull();
    expect(job.error).toMatchObject({ code: 'mock_error', status_code: 400 });
  });

  it('sends a signed job.completed webhook that the standardwebhooks library verifies', async () => {
    const secretResponse = await fetch(`${harness.url}/admin/projects/async-project/webhook-secret`, { method: 'POST', headers: { authorization: `Bearer ${testAdminKey}` } });
    const { secret } = (await secretResponse.json()) as { secret: string };
    const accepted = await submit({ model: 'mock-echo', messages: [{ role: 'user', content: 'call me back' }], webhook: { url: receiverUrl } });
    expect(accepted.status).toBe(202);
    await expect.poll(() => received.find((delivery) => delivery.body.includes(accepted.body.id)), { timeout: 5000, interval: 20 }).toBeDefined();
    const delivery = received.find((item) => item.body.includes(accepted.body.id))!;
    const event = new Webhook(secret).verify(delivery.body, delivery.headers) as Record<string, any>;
    expect(event).toMatchObject({ type: 'job.completed', data: { id: accepted.body.id, status: 'completed', object: 'chat.completion.job' } });
    expect(event.id).toBe(delivery.headers['webhook-id']);
  });

  it('sends batch.completed for a batch with a webhook, with the batch object as data', async () => {
    const requests = [1, 2].map((n) => ({ custom_id: `hook-${n}`, body: { model: 'mock-echo', messages: [{ role: 'user', content: `n${n}` }] } }));
    const created = await postJson(`${harness.url}/v1/batches`, { requests, endpoint: '/v1/chat/completions', webhook: { url: receiverUrl } }, key);
    expect(created.status).toBe(200);
    await expect.poll(() => received.find((delivery) => delivery.body.includes(created.body.id)), { timeout: 10_000, interval: 20 }).toBeDefined();
    const event = JSON.parse(received.find((delivery) => delivery.body.includes(created.body.id))!.body) as Record<string, any>;
    expect(event).toMatchObject({ type: 'batch.completed', data: { id: created.body.id, object: 'batch', status: 'completed', request_counts: { total: 2, completed: 2, failed: 0 } } });
    expect(Date.parse(event.timestamp)).not.toBeNaN();
  });

  it('refuses a webhook to a metadata address, an unknown model and stream: true', async () => {
    const ssrf = await submit({ model: 'mock-echo', messages: [{ role: 'user', content: 'x' }], webhook: { url: 'http://169.254.169.254/latest/meta-data' } });
    expect(ssrf.status).toBe(400);
    expect(ssrf.body.error).toMatchObject({ code: 'webhook_url_not_allowed', param: 'webhook.url' });
    const unknown = await submit({ model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(unknown.status).toBe(404);
    const stream = await submit({ model: 'mock-echo', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(stream.status).toBe(400);
    const bad = await submit({ model: 'mock-echo' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('messages');
  });

  it('hides a job from other projects', async () => {
    const accepted = await submit({ model: 'mock-echo', messages: [{ role: 'user', content: 'mine' }] });
    const stranger = (await harness.createKey('stranger')).key;
    const response = await fetch(`${harness.url}/v1/async/chat/completions/${accepted.body.id}`, { headers: { authorization: `Bearer ${stranger}` } });
    expect(response.status).toBe(404);
    expect(((await response.json()) as Record<string, any>).error.code).toBe('not_found');
  });
});
