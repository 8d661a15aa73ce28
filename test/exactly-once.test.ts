import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../src/auth/api-key-store.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import type { ChatCompletion } from '../src/providers/chat-completion-schemas.ts';
import type { ProviderClient } from '../src/providers/provider-client.ts';
import { requestJobOptions, providerQueueName, type RequestJobData, type RequestJobResult } from '../src/queues/request-job.ts';
import { createRequestJobProcessor } from '../src/workers/request-job-processor.ts';
import { ResultStore, type RequestOutcome } from '../src/records/result-store.ts';
import { OpenAIWireServer } from './support/openai-wire-server.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { queuePrefix } from '../src/queues/queue-prefix.ts';

/** A retried, duplicated or re-delivered job never bills twice. */
describe('exactly-once usage', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: ResultStore;
  let principal: { projectId: string; apiKeyId: string };
  const redis = new Redis(testRedisUrl(), { lazyConnect: true });
  const prefix = uniqueName('exactly');

  beforeAll(async () => {
    database = await createTestDatabase('exactly');
    handle = createDatabase({ url: database.url, maxConnections: 4 });
    await runMigrations(handle.pool);
    store = new ResultStore(handle.db);
    const keys = new ApiKeyStore({ db: handle.db, redis, prefix });
    const created = await keys.createKey({ name: 'k', project: 'exactly-once' });
    principal = { projectId: created.project_id, apiKeyId: created.id };
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
    redis.disconnect();
  });

  const completion = (content: string): ChatCompletion => ({
    id: 'chatcmpl-x',
    object: 'chat.completion',
    created: 1,
    model: 'echo',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
  });
  const outcome = (requestId: string, overrides: Partial<RequestOutcome> = {}): RequestOutcome => ({
    requestId,
    kind: 'sync',
    format: 'chat',
    ...principal,
    model: 'mock-echo',
    provider: 'mock',
    upstreamModel: 'echo',
    attempts: 1,
    status: 'completed',
    statusCode: 200,
    response: completion('first'),
    acceptedAt: new Date(),
    startedAt: new Date(),
    completedAt: new Date(),
    usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12, cost: '0.0000010000' },
    ...overrides,
  });
  const count = async (table: 'usage' | 'requests', column: string, id: string) => (await handle.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [id])).rows[0].n as number;

  it('records the same outcome twice in a row as one request and one usage row', async () => {
    await store.record(outcome('req_seq'));
    await store.record(outcome('req_seq', { response: completion('second') }));
    expect(await count('requests', 'id', 'req_seq')).toBe(1);
    expect(await count('usage', 'request_id', 'req_seq')).toBe(1);
  });

  it('records concurrent duplicates (one group commit) once', async () => {
    await Promise.all(Array.from({ length: 20 }, () => store.record(outcome('req_concurrent'))));
    expect(await count('usage', 'request_id', 'req_concurrent')).toBe(1);
  });

  it('never lets a late failure overwrite a completed request', async () => {
    await store.record(outcome('req_final'));
    await store.record(outcome('req_final', { status: 'failed', statusCode: 502, errorMessage: 'late', response: undefined, usage: undefined }));
    const { rows } = await handle.pool.query('SELECT status, status_code, error_message FROM requests WHERE id = $1', ['req_final']);
    expect(rows[0]).toEqual({ status: 'completed', status_code: 200, error_message: null });
  });

  it('a re-delivered job that already completed answers from the record without calling the provider', async () => {
    await store.record(outcome('req_redelivered', { response: completion('stored answer') }));
    let calls = 0;
    const provider: ProviderClient = {
      name: 'mock',
      type: 'mock',
      chat: async () => {
        calls += 1;
        throw new Error('must not be called');
      },
      chatStream: async () => {
        calls += 1;
        throw new Error('must not be called');
      },
      close: async () => {},
    };
    const published: string[] = [];
    const publisher = { publish: async (_channel: string, message: string) => published.push(message) } as unknown as Redis;
    const processor = createRequestJobProcessor({
      providers: new Map([['mock', provider]]),
      resultStore: store,
      publisher,
      logger: createLogger('silent'),
      limitProvider: () => (task) => task(),
    });
    const data: RequestJobData = {
      requestId: 'req_redelivered',
      kind: 'sync',
      ...principal,
      model: 'mock-echo',
      routes: [{ provider: 'mock', upstreamModel: 'echo', pricing: { inputPerMillion: '0', outputPerMillion: '0' } }],
      routeIndex: 0,
      request: { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }] },
      replyTo: 'reply-channel',
      acceptedAt: Date.now(),
    };
    // What BullMQ hands a worker after a stalled job is moved back to wait.
    const job = { id: data.requestId, data, attemptsMade: 0, stalledCounter: 1, opts: { attempts: 3 } } as unknown as Job<RequestJobData, RequestJobResult>;
    await expect(processor(job)).resolves.toEqual({ status: 'completed' });
    expect(calls).toBe(0);
    expect(JSON.parse(published[0]!)).toMatchObject({ requestId: 'req_redelivered', ok: true, response: { choices: [{ message: { content: 'stored answer' } }] } });
    expect(await count('usage', 'request_id', 'req_redelivered')).toBe(1);
  });

  describe('through real queues', () => {
    const upstream = new OpenAIWireServer();
    let harness: TestGateway;

    beforeAll(async () => {
      const baseUrl = await upstream.start();
      harness = await startTestGateway({
        config: { providers: { openai: { type: 'openai', baseUrl, maxAttempts: 1 } }, models: {} },
      });
    });
    afterAll(async () => {
      await harness?.close();
      await upstream.stop();
      await deleteRedisPrefix(prefix);
    });

    it('the same request id enqueued again after completion is billed once', async () => {
      const { id: apiKeyId, project_id: projectId } = await harness.createKey('dupes');
      const queue = new Queue<RequestJobData, RequestJobResult>(providerQueueName('openai'), { connection: { url: testRedisUrl() }, prefix: queuePrefix(harness.prefix, providerQueueName('openai')) });
      const data: RequestJobData = {
        requestId: 'req_duplicate_delivery',
        kind: 'sync',
        projectId,
        apiKeyId,
        model: 'openai/gpt-4o-mini',
        routes: [{ provider: 'openai', upstreamModel: 'gpt-4o-mini', pricing: { inputPerMillion: '0.15', outputPerMillion: '0.60' } }],
        routeIndex: 0,
        request: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'once' }] },
        replyTo: null,
        acceptedAt: Date.now(),
      };
      const options = requestJobOptions({ requestId: data.requestId, maxAttempts: 1, retryBaseDelayMs: 1 });
      try {
        for (let delivery = 0; delivery < 3; delivery += 1) {
          await queue.add('chat', data, options);
          await expect.poll(() => upstream.requests.length, { timeout: 5000, interval: 10 }).toBe(delivery + 1);
          await expect.poll(async () => (await queue.getJobCounts('active', 'wait')).active, { timeout: 5000, interval: 10 }).toBe(0);
        }
        await expect.poll(async () => (await harness.sql.query('SELECT count(*)::int AS n FROM requests WHERE id = $1', [data.requestId])).rows[0].n).toBe(1);
        const { rows } = await harness.sql.query('SELECT count(*)::int AS n, sum(cost)::text AS cost FROM usage WHERE request_id = $1', [data.requestId]);
        // 19 × 0.15 + 10 × 0.60 = 8.85 per million, once
        expect(rows[0]).toEqual({ n: 1, cost: '0.0000088500' });
      } finally {
        await queue.close();
      }
    });
  });
});
