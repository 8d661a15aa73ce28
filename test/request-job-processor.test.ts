import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../src/auth/api-key-store.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createMockProviderClient } from '../src/providers/mock/index.ts';
import type { RequestJobData, RequestJobResult } from '../src/queues/request-job.ts';
import { createRequestJobProcessor } from '../src/workers/request-job-processor.ts';
import type { ChatReply } from '../src/queues/reply-channel.ts';
import { ResultStore } from '../src/records/result-store.ts';
import { createTestDatabase, type TestDatabase } from './support/test-services.ts';

/** The processor when Postgres misbehaves: the record always comes before the answer. */
describe('chat job processor and a failing Postgres', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let principal: { projectId: string; apiKeyId: string };

  beforeAll(async () => {
    database = await createTestDatabase('processor');
    handle = createDatabase({ url: database.url, maxConnections: 2 });
    await runMigrations(handle.pool);
    const keys = new ApiKeyStore({ db: handle.db, redis: {} as Redis, prefix: 'unused' });
    const created = await keys.createKey({ name: 'k', project: 'processor' });
    principal = { projectId: created.project_id, apiKeyId: created.id };
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  function setup(store: ResultStore) {
    const replies: ChatReply[] = [];
    const publisher = { publish: async (_channel: string, message: string) => replies.push(JSON.parse(message) as ChatReply) } as unknown as Redis;
    const processor = createRequestJobProcessor({
      providers: new Map([
        ['mock', createMockProviderClient('mock', { type: 'mock', latencyMs: 0, streamIntervalMs: 0, concurrency: 1, timeoutMs: 1000, maxAttempts: 1, retryBaseDelayMs: 1, headers: {} })],
      ]),
      resultStore: store,
      publisher,
      logger: createLogger('silent'),
      limitProvider: () => (task) => task(),
    });
    const job = (requestId: string, attempts: number) =>
      ({
        id: requestId,
        attemptsMade: 0,
        stalledCounter: 0,
        opts: { attempts },
        data: {
          requestId,
          kind: 'sync',
          ...principal,
          model: 'mock-echo',
          routes: [{ provider: 'mock', upstreamModel: 'echo', pricing: { inputPerMillion: '1', outputPerMillion: '1' } }],
          routeIndex: 0,
          request: { model: 'mock-echo', messages: [{ role: 'user', content: 'record me' }] },
          replyTo: 'channel',
          acceptedAt: Date.now(),
        },
      }) as unknown as Job<RequestJobData, RequestJobResult>;
    return { replies, processor, job };
  }

  it('rides out a brief Postgres failure and answers only once the usage is recorded', async () => {
    const real = new ResultStore(handle.db);
    let failures = 2;
    const flaky = Object.create(real) as ResultStore;
    flaky.record = async (outcome) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('connection terminated unexpectedly');
      }
      return real.record(outcome);
    };
    const { replies, processor, job } = setup(flaky);
    await expect(processor(job('req_flaky_db', 1))).resolves.toEqual({ status: 'completed' });
    expect(replies).toEqual([expect.objectContaining({ requestId: 'req_flaky_db', ok: true })]);
    const { rows } = await handle.pool.query('SELECT total_tokens FROM usage WHERE request_id = $1', ['req_flaky_db']);
    expect(rows).toHaveLength(1);
  });

  it('with Postgres gone, fails the job and tells the caller 503 on the last attempt, never an unbilled answer', async () => {
    const gone = createDatabase({ url: database.url, maxConnections: 1 });
    await gone.close();
    const { replies, processor, job } = setup(new ResultStore(gone.db));
    await expect(processor(job('req_db_gone', 1))).rejects.toThrow();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ requestId: 'req_db_gone', ok: false, error: { code: 'service_unavailable' } });

    // Not the last attempt: the job fails for BullMQ to retry, and the caller keeps waiting.
    const retrying = setup(new ResultStore(gone.db));
    await expect(retrying.processor(retrying.job('req_db_gone_retry', 3))).rejects.toThrow();
    expect(retrying.replies).toEqual([]);
  });
});
