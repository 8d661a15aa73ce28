import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, stopChild, type Child } from '../bench/processes.ts';
import { pauseKey } from '../src/limits/provider/limit-plan.ts';
import { providerQueueName } from '../src/queues/request-job.ts';
import { echoCompletion, OpenAIWireServer, openaiError, type RecordedRequest } from './support/openai-wire-server.ts';
import { StrictSlidingWindow, strictlyLimited, windowShares, type Arrival } from './support/strict-rate-limit.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';
import { queuePrefix } from '../src/queues/queue-prefix.ts';
import { OwnRedisCluster } from './support/own-redis-cluster.ts';

/**
 * Three worker processes (`tsx src/main.ts`, GATEWAY_ROLE=worker) share one provider limit through
 * Redis, against a mock provider that answers 429 to anything beyond its own sliding window. The
 * window is shortened to 3 s (`rateWindowMs`) so the test sees three of them in seconds. The same
 * on one Redis server and on a Redis Cluster (three masters, a replica each, an ACL user).
 */
const root = resolve(import.meta.dirname, '..');
const limit = 90;
const windowMs = 3000;

/** The Redis the processes share: the machine's one server, or a Redis Cluster of this file's own. */
interface SharedRedis {
  environment: Record<string, string>;
  client(): Redis | Cluster;
  stop(): Promise<void>;
}

const topologies: Array<{ name: string; start(): Promise<SharedRedis> }> = [
  {
    name: 'one Redis server',
    start: async () => ({ environment: { REDIS_URL: testRedisUrl() }, client: () => new Redis(testRedisUrl()), stop: async () => undefined }),
  },
  {
    name: 'a Redis Cluster',
    start: async () => {
      const cluster = await OwnRedisCluster.start({ user: { name: 'gateway', password: 'limits-secret' } });
      return { environment: { REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds }, client: () => cluster.client(), stop: () => cluster.stop() };
    },
  },
];

describe.each(topologies)('provider limits across worker processes, on $name', (topology) => {
  const strict = new StrictSlidingWindow(limit, windowMs);
  const pausing = { arrivals: [] as Arrival[], limitedAt: 0 };

  function respond(request: RecordedRequest) {
    const body = request.body as { model?: string };
    if (body.model === 'pausing') {
      if (pausing.limitedAt === 0) {
        pausing.limitedAt = Date.now();
        return openaiError(429, { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after': '2' });
      }
      pausing.arrivals.push({ at: Date.now(), worker: String(request.headers['x-worker']) });
      return echoCompletion(request);
    }
    return strictlyLimited(strict, { maxDelayMs: 20 })(request);
  }

  const mock = new OpenAIWireServer(respond);
  mock.record = false;
  const workers: Child[] = [];
  let database: TestDatabase;
  let prefix: string;
  let directory: string;
  let api: TestGateway;
  let key: string;
  let redis: SharedRedis;

  beforeAll(async () => {
    redis = await topology.start();
    const mockUrl = await mock.start();
    database = await createTestDatabase('multiproc');
    prefix = uniqueName('multiproc');
    directory = await mkdtemp(join(tmpdir(), 'limits-multiproc-'));
    const common = { type: 'openai', baseUrl: mockUrl, apiKey: 'sk-test', maxAttempts: 3, retryBaseDelayMs: 100, headers: { 'x-worker': '${WORKER_NAME:-api}' } };
    const config = {
      providers: { limited: { ...common, concurrency: 16, rpm: limit, rateWindowMs: windowMs }, pausing: { ...common, concurrency: 4 } },
      models: { 'rpm-model': { routes: [{ provider: 'limited', model: 'strict' }] }, 'pause-model': { routes: [{ provider: 'pausing', model: 'pausing' }] } },
    };
    const configPath = join(directory, 'gateway.yaml');
    await writeFile(configPath, JSON.stringify(config)); // JSON is YAML
    for (const name of ['w1', 'w2', 'w3']) {
      const env = {
        ...process.env,
        DATABASE_URL: database.url,
        ...redis.environment,
        REDIS_PREFIX: prefix,
        GATEWAY_CONFIG: configPath,
        GATEWAY_ROLE: 'worker',
        LOG_LEVEL: 'info',
        WORKER_NAME: name,
      };
      workers.push(startChild(name, process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, cwd: root, echoLines: 0 }));
    }
    api = await startTestGateway({ config, database, prefix, environment: { GATEWAY_ROLE: 'api', ...redis.environment } });
    key = (await api.createKey()).key;
    await Promise.all(workers.map((worker) => worker.waitForLine(/provider workers started/, 30_000)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopChild(worker, 10_000)));
    await api?.close();
    await database?.drop();
    if (prefix && !redis?.environment['REDIS_CLUSTER_NODES']) await deleteRedisPrefix(prefix);
    await redis?.stop();
    await mock.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** Submits async jobs, a few at a time, as clients would. */
  async function submit(model: string, count: number): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          next += 1;
          const accepted = await postJson(`${api.url}/v1/async/chat/completions`, { model, messages: [{ role: 'user', content: `job ${next}` }] }, key);
          expect(accepted.status).toBe(202);
        }
      }),
    );
  }

  async function until(label: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${label}: not within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  it('three processes together stay within the rpm in every sliding window, close to it, with no 429', async () => {
    const backlog = 3 * limit;
    // The whole backlog is queued before any worker sees it, however slowly this machine submits.
    const connection = redis.client();
    const queue = new Queue(providerQueueName('limited'), { connection, prefix: queuePrefix(prefix, providerQueueName('limited')) });
    try {
      await queue.pause();
      await submit('rpm-model', backlog);
      await queue.resume();
    } finally {
      await queue.close();
      connection.disconnect();
    }
    await until('backlog sent', () => strict.accepted.length + strict.rejected.length >= backlog, 20_000);

    expect(strict.rejected).toEqual([]);
    const shares = windowShares(
      strict.accepted.map((arrival) => arrival.at),
      { limit, windowMs },
    );
    expect(shares.max).toBeLessThanOrEqual(1);
    expect(shares.mean).toBeGreaterThanOrEqual(0.95);
    // Each window's allowance went out as soon as it was free: three bursts about a window apart.
    const first = strict.accepted[0]?.at ?? 0;
    expect(strict.accepted.filter((arrival) => arrival.at < first + 2 * windowMs).length).toBe(2 * limit);
    expect(new Set(strict.accepted.map((arrival) => arrival.worker))).toEqual(new Set(['w1', 'w2', 'w3']));
    await until('jobs recorded', async () => (await api.sql.query("SELECT count(*)::int AS n FROM requests WHERE model = 'rpm-model' AND status = 'completed'")).rows[0].n === backlog, 10_000);
  }, 40_000);

  it("a provider's 429 with Retry-After pauses it in every process", async () => {
    await submit('pause-model', 1);
    await until('first call answered 429', () => pausing.limitedAt > 0, 10_000);
    const client = redis.client();
    try {
      await until('pause recorded', async () => (await client.exists(pauseKey(prefix, 'pausing'))) === 1, 5_000);
    } finally {
      client.disconnect();
    }
    // Enough jobs that every process takes some (each runs at most 4 at once).
    await submit('pause-model', 30);
    await until('every job answered', () => pausing.arrivals.length >= 31, 15_000);

    const earliest = Math.min(...pausing.arrivals.map((arrival) => arrival.at));
    expect(earliest).toBeGreaterThanOrEqual(pausing.limitedAt + 2000 - 5);
    expect(new Set(pausing.arrivals.map((arrival) => arrival.worker))).toEqual(new Set(['w1', 'w2', 'w3']));
  }, 30_000);
});
