import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksSchema } from '../src/config/gateway-config.ts';
import { GatewayError } from '../src/errors/gateway-error.ts';
import { assertWebhookUrlAllowed } from '../src/webhooks/ssrf-guard.ts';
import type { WebhookEventInput } from '../src/webhooks/webhook-notifier.ts';
import { mockConfig, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

const webhooks = { allowHosts: ['127.0.0.1'], retryScheduleMs: [50, 100, 100], timeoutMs: 1000 };

describe('webhooks', () => {
  let harness: TestGateway;
  /** An API process on the same database with no allow-list, as production runs. */
  let strict: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    harness = await startTestGateway({ config: { ...mockConfig, webhooks } });
    strict = await startTestGateway({
      database: harness.database,
      prefix: harness.prefix,
      environment: { GATEWAY_ROLE: 'api' },
      config: { ...mockConfig, webhooks: { ...webhooks, allowHosts: [] } },
    });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await strict?.close();
    await harness?.close();
    await receiver?.close();
  });

  const admin = async (gateway: TestGateway, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${testAdminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const rotateSecret = async (project: string) => {
    const { status, body } = await admin(harness, 'POST', `/projects/${project}/webhook-secret`);
    expect(status).toBe(200);
    expect(body.secret).toMatch(/^whsec_/);
    return body.secret as string;
  };
  const api = async (key: string, method: string, path: string) => {
    const response = await fetch(`${harness.url}/v1${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const notify = (event: Partial<WebhookEventInput> & Pick<WebhookEventInput, 'projectId' | 'subjectId'>) =>
    harness.gateway.webhooks.notify({ url: undefined, type: 'batch.completed', data: { id: event.subjectId, object: 'batch' }, ...event });
  const deliveryOf = async (key: string, id: string) => (await api(key, 'GET', `/webhook-deliveries/${id}`)).body;
  const waitForStatus = (key: string, id: string, status: string) => expect.poll(async () => (await deliveryOf(key, id)).status, { timeout: 10_000, interval: 25 }).toBe(status);

  it('delivers a signed event that the standardwebhooks library verifies, once per subject and type', async () => {
    const { key, project_id: projectId } = await harness.createKey('signed');
    const secret = await rotateSecret('signed');
    const url = receiver.route('/signed', { secret });
    const id = await notify({ projectId, url, subjectId: 'batch_signed', type: 'batch.completed', data: { id: 'batch_signed', status: 'completed' } });
    expect(id).toMatch(/^msg_/);
    await waitForStatus(key, id ?? '', 'delivered');

    const [request] = receiver.received('/signed');
    expect(request?.verified).toBe(true);
    expect(request?.headers['webhook-id']).toBe(id);
    expect(Number(request?.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,/);
    const payload = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(payload).toEqual({ id, type: 'batch.completed', timestamp: expect.any(String), data: { id: 'batch_signed', status: 'completed' } });
    expect(new Date(payload.timestamp as string).toISOString()).toBe(payload.timestamp);

    // A re-run finalisation sends nothing new.
    expect(await notify({ projectId, url, subjectId: 'batch_signed', type: 'batch.completed' })).toBe(id);
    await sleep(200);
    expect(receiver.received('/signed')).toHaveLength(1);
    const { rows } = await harness.sql.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE subject_id = $1', ['batch_signed']);
    expect(rows[0].n).toBe(1);
  });

  it('retries non-2xx answers on the schedule with the same webhook-id, and logs every attempt', async () => {
    const { key, project_id: projectId } = await harness.createKey('flaky');
    const secret = await rotateSecret('flaky');
    const url = receiver.route('/flaky', { secret, steps: [500, 500, 200] });
    const id = (await notify({ projectId, url, subjectId: 'job_flaky', type: 'job.completed' })) ?? '';
    await waitForStatus(key, id, 'delivered');

    const received = receiver.received('/flaky');
    expect(received).toHaveLength(3);
    expect(received.map((request) => request.headers['webhook-id'])).toEqual([id, id, id]);
    expect(received.every((request) => request.verified)).toBe(true);

    const delivery = await deliveryOf(key, id);
    expect(delivery).toMatchObject({
      object: 'webhook.delivery',
      status: 'delivered',
      attempt_count: 3,
      last_status_code: 200,
      last_error: null,
      event_type: 'job.completed',
      subject_id: 'job_flaky',
      url,
    });
    expect(delivery.delivered_at).toEqual(expect.any(Number));
    expect(delivery.attempts.map((attempt: Record<string, unknown>) => [attempt.attempt, attempt.status_code, attempt.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 500, 'HTTP 500'],
      [3, 200, null],
    ]);
    expect(delivery.payload).toMatchObject({ id, type: 'job.completed' });
  });

  it('stops at 410 Gone: the delivery is disabled and a default URL is cleared', async () => {
    const { key, project_id: projectId } = await harness.createKey('gone');
    const url = receiver.route('/gone', { steps: [410] });
    const put = await admin(harness, 'PUT', '/projects/gone/webhook', { url });
    expect(put).toEqual({ status: 200, body: { project: 'gone', project_id: projectId, webhook_url: url } });

    // No URL of its own: the project's default is used.
    const id = (await notify({ projectId, subjectId: 'batch_gone', type: 'batch.expired' })) ?? '';
    await waitForStatus(key, id, 'disabled');
    await sleep(400); // longer than the whole retry schedule
    expect(receiver.received('/gone')).toHaveLength(1);
    const delivery = await deliveryOf(key, id);
    expect(delivery).toMatchObject({ attempt_count: 1, last_status_code: 410, next_attempt_at: null, url });

    const { rows } = await harness.sql.query('SELECT webhook_url FROM projects WHERE id = $1', [projectId]);
    expect(rows[0].webhook_url).toBeNull();
    expect(await notify({ projectId, subjectId: 'batch_gone_2', type: 'batch.failed' })).toBeUndefined();
  });

  it('records a receiver that does not answer as a timed-out attempt, then retries', async () => {
    const { key, project_id: projectId } = await harness.createKey('slow');
    const url = receiver.route('/slow', { steps: ['hang', 200] });
    const id = (await notify({ projectId, url, subjectId: 'job_slow', type: 'job.failed' })) ?? '';
    await waitForStatus(key, id, 'delivered');
    const delivery = await deliveryOf(key, id);
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[0]).toMatchObject({ attempt: 1, status_code: null, error: 'timed out after 1000 ms' });
    expect(delivery.attempts[0].latency_ms).toBeGreaterThanOrEqual(900);
    expect(delivery.attempts[1]).toMatchObject({ attempt: 2, status_code: 200, error: null });
  });

  it('redelivers with the same id, appending attempts', async () => {
    const { key, project_id: projectId } = await harness.createKey('again');
    const secret = await rotateSecret('again');
    const url = receiver.route('/again', { secret });
    const id = (await notify({ projectId, url, subjectId: 'batch_again', type: 'batch.cancelled' })) ?? '';
    await waitForStatus(key, id, 'delivered');

    const redelivered = await api(key, 'POST', `/webhook-deliveries/${id}/redeliver`);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.id).toBe(id);
    await expect.poll(() => receiver.received('/again').length, { timeout: 10_000, interval: 25 }).toBe(2);
    await expect.poll(async () => (await deliveryOf(key, id)).attempt_count, { timeout: 10_000, interval: 25 }).toBe(2);
    const delivery = await deliveryOf(key, id);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts.map((attempt: Record<string, unknown>) => attempt.attempt)).toEqual([1, 2]);
    expect(receiver.received('/again').map((request) => [request.headers['webhook-id'], request.verified])).toEqual([
      [id, true],
      [id, true],
    ]);
  });

  it('shows a project only its own deliveries, in pages', async () => {
    const owner = await harness.createKey('owner');
    const other = await harness.createKey('other');
    const url = receiver.route('/owner');
    const ids = [];
    for (const subjectId of ['batch_o1', 'batch_o2', 'batch_o3']) ids.push(await notify({ projectId: owner.project_id, url, subjectId }));
    await expect.poll(() => receiver.received('/owner').length, { timeout: 10_000, interval: 25 }).toBe(3);

    const firstPage = await api(owner.key, 'GET', '/webhook-deliveries?limit=2');
    expect(firstPage.status).toBe(200);
    expect(firstPage.body).toMatchObject({ object: 'list', has_more: true, first_id: ids[2], last_id: ids[1] });
    expect(firstPage.body.data.map((delivery: Record<string, unknown>) => delivery.id)).toEqual([ids[2], ids[1]]);
    const secondPage = await api(owner.key, 'GET', `/webhook-deliveries?limit=2&after=${firstPage.body.last_id}`);
    expect(secondPage.body).toMatchObject({ has_more: false, first_id: ids[0], last_id: ids[0] });
    const bySubject = await api(owner.key, 'GET', '/webhook-deliveries?subject_id=batch_o2');
    expect(bySubject.body.data.map((delivery: Record<string, unknown>) => delivery.id)).toEqual([ids[1]]);

    const theirs = await api(other.key, 'GET', '/webhook-deliveries');
    expect(theirs.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    for (const [method, path] of [
      ['GET', `/webhook-deliveries/${ids[0]}`],
      ['POST', `/webhook-deliveries/${ids[0]}/redeliver`],
      ['GET', `/webhook-deliveries?after=${ids[0]}`],
    ] as const) {
      const answer = await api(other.key, method, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
    expect((await api(owner.key, 'GET', '/webhook-deliveries/msg_nope')).status).toBe(404);
    expect((await api('gw-not-a-key', 'GET', '/webhook-deliveries')).status).toBe(401);
  });

  it('refuses private and metadata URLs unless allow-listed', async () => {
    const refusal = await assertWebhookUrlAllowed('http://127.0.0.1/', webhooksSchema.parse({})).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect(refusal).toMatchObject({ code: 'webhook_url_not_allowed', param: 'webhook.url' });
    await expect(assertWebhookUrlAllowed('http://127.0.0.1/', webhooksSchema.parse(webhooks))).resolves.toBeUndefined();

    await harness.createKey('ssrf');
    const loopback = await admin(strict, 'PUT', '/projects/ssrf/webhook', { url: 'http://127.0.0.1/' });
    expect(loopback.status).toBe(400);
    expect(loopback.body.error).toMatchObject({ code: 'webhook_url_not_allowed', param: 'url', type: 'invalid_request_error' });
    expect(loopback.body.error.message).toMatch(/loopback/);
    for (const gateway of [strict, harness]) {
      const metadata = await admin(gateway, 'PUT', '/projects/ssrf/webhook', { url: 'http://169.254.169.254/latest/meta-data' });
      expect(metadata.status).toBe(400);
      expect(metadata.body.error.code).toBe('webhook_url_not_allowed');
      expect(metadata.body.error.message).toMatch(/metadata/);
    }
    expect((await admin(harness, 'PUT', '/projects/ssrf/webhook', { url: 'ftp://example.com/' })).body.error.code).toBe('webhook_url_not_allowed');
    expect((await admin(harness, 'PUT', '/projects/ssrf/webhook', { url: null })).body).toMatchObject({ webhook_url: null });
    expect((await admin(harness, 'PUT', '/projects/nope/webhook', { url: null })).status).toBe(404);
    expect((await admin(harness, 'POST', '/projects/nope/webhook-secret')).status).toBe(404);
  });

  it('refuses at delivery time a URL the guard does not allow', async () => {
    const { key, project_id: projectId } = await harness.createKey('late-refusal');
    const id = (await notify({ projectId, url: `${receiver.base.replace('127.0.0.1', '127.0.0.2')}/never`, subjectId: 'job_refused', type: 'job.failed' })) ?? '';
    await waitForStatus(key, id, 'failed');
    const delivery = await deliveryOf(key, id);
    expect(delivery.attempt_count).toBe(1);
    expect(delivery.attempts[0]).toMatchObject({ status_code: null, error: expect.stringMatching(/^refused: .*loopback/) });
  });

  it('signs with the rotated secret: the old one no longer verifies', async () => {
    const { project_id: projectId } = await harness.createKey('rotation');
    const oldSecret = await rotateSecret('rotation');
    receiver.route('/before', { secret: oldSecret });
    await notify({ projectId, url: `${receiver.base}/before`, subjectId: 'job_r1', type: 'job.completed' });
    await expect.poll(() => receiver.received('/before').length, { timeout: 10_000, interval: 25 }).toBe(1);
    expect(receiver.received('/before')[0]?.verified).toBe(true);

    const newSecret = await rotateSecret('rotation');
    expect(newSecret).not.toBe(oldSecret);
    // This receiver still holds the old secret: it answers 401 to what it cannot verify.
    receiver.route('/after', { secret: oldSecret });
    await notify({ projectId, url: `${receiver.base}/after`, subjectId: 'job_r2', type: 'job.completed' });
    await expect.poll(() => receiver.received('/after').length, { timeout: 10_000, interval: 25 }).toBeGreaterThanOrEqual(1);
    const [request] = receiver.received('/after');
    expect(request?.verified).toBe(false);
    expect(new Webhook(newSecret).verify(request?.body ?? '', request?.headers ?? {})).toMatchObject({ type: 'job.completed', data: { id: 'job_r2' } });
  });

  it('creates a secret at the first delivery of a project that has none, so every delivery is signed', async () => {
    const { key, project_id: projectId } = await harness.createKey('lazy-secret');
    const url = receiver.route('/lazy');
    const id = (await notify({ projectId, url, subjectId: 'batch_lazy' })) ?? '';
    await waitForStatus(key, id, 'delivered');
    const { rows } = await harness.sql.query('SELECT webhook_secret FROM projects WHERE id = $1', [projectId]);
    expect(rows[0].webhook_secret).toMatch(/^whsec_/);
    const [request] = receiver.received('/lazy');
    expect(new Webhook(rows[0].webhook_secret).verify(request?.body ?? '', request?.headers ?? {})).toMatchObject({ id });
  });
});
