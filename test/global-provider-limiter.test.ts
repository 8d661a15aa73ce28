import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseGatewayConfig } from '../src/config/gateway-config.ts';
import { defaultWaitTiming } from '../src/limits/provider/limit-queue.ts';
import { createLogger } from '../src/logging/logger.ts';
import { ProviderError } from '../src/errors/provider-error.ts';
import { createProviderLimits, type ClosableLimitProvider, type ProviderCallRequest } from '../src/limits/provider/provider-limits.ts';
import { deleteRedisPrefix, testRedisUrl, uniqueName } from './support/test-services.ts';
import { limitKeyBase } from '../src/limits/provider/limit-plan.ts';

// Two limiters on one prefix stand for two worker processes: they share nothing but Redis.
let redis: Redis;
const opened: Array<{ limits: ClosableLimitProvider; prefix: string }> = [];

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterEach(async () => {
  for (const { limits, prefix } of opened.splice(0)) {
    await limits.close();
    await deleteRedisPrefix(prefix);
  }
});
afterAll(async () => {
  await redis.quit();
});

function processes(provider: Record<string, unknown>, options: { models?: Record<string, unknown>; maxWaitMs?: { interactive?: number; batch?: number }; batchDelayMs?: number } = {}) {
  const prefix = uniqueName('gplimit');
  const config = parseGatewayConfig({ providers: { p: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', ...provider } }, models: options.models ?? {} }, {});
  const start = () => {
    const limits = createProviderLimits({
      config,
      redis,
      prefix,
      logger: createLogger('silent'),
      ...(options.maxWaitMs ? { maxWaitMs: options.maxWaitMs } : {}),
      ...(options.batchDelayMs === undefined ? {} : { timing: { ...defaultWaitTiming, batchDelayMs: options.batchDelayMs } }),
    });
    opened.push({ limits, prefix });
    return limits;
  };
  return [start(), start()] as const;
}

const call = (overrides: Partial<ProviderCallRequest> = {}): ProviderCallRequest => ({ provider: 'p', model: 'm', estimatedTokens: 10, trafficClass: 'interactive', ...overrides });

/** What a promise rejects with; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('global provider limits', () => {
  it('caps in-flight calls across processes at the provider concurrency', async () => {
    const [a, b] = processes({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const task = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(30);
      running -= 1;
      return {};
    };
    await Promise.all(Array.from({ length: 12 }, (_, index) => (index % 2 ? a : b)(call())(task)));
    expect(peak).toBe(3);
  });

  it('settles the calls that end together in one script call, and frees every slot', async () => {
    const [a] = processes({ concurrency: 20 });
    const release = deferred();
    const started = Array.from({ length: 10 }, () => a(call())(async () => (await release.promise, {})));
    await sleep(100);
    const slots = `${limitKeyBase(opened[opened.length - 1]!.prefix, 'p')}:concurrency`;
    expect(await redis.zcard(slots)).toBe(10);
    const scripts = vi.spyOn(Redis.prototype, 'evalsha');
    try {
      release.resolve();
      await Promise.all(started);
      await sleep(100);
      // Ten calls ended in one turn: one settle for all of them (not ten).
      expect(scripts.mock.calls.length).toBe(1);
    } finally {
      scripts.mockRestore();
    }
    expect(await redis.zcard(slots)).toBe(0);
  });

  /**
   * `count` calls started together on `limiter`, each holding its slot until released, and how many
   * script calls the limiter sent in the first `settleMs`.
   */
  async function startTogether(limiter: ClosableLimitProvider, count: number, settleMs: number) {
    const gate = deferred();
    let running = 0;
    const scripts = vi.spyOn(Redis.prototype, 'evalsha');
    let started: Array<Promise<unknown>> = [];
    let scriptCalls: number;
    try {
      started = Array.from({ length: count }, () => limiter(call())(async () => ((running += 1), await gate.promise, {})));
      await sleep(settleMs);
      scriptCalls = scripts.mock.calls.length;
    } finally {
      scripts.mockRestore();
    }
    return {
      runningAtFirst: running,
      scriptCalls,
      async releaseAll() {
        gate.resolve();
        await Promise.all(started);
        return running;
      },
    };
  }

  it('takes the slots of the calls that start together in one script call, as many as fit', async () => {
    const [a] = processes({ concurrency: 6 });
    const calls = await startTogether(a, 10, 100);
    // One script admitted the first six; the other four wait for a release (one refused attempt).
    expect(calls.runningAtFirst).toBe(6);
    expect(calls.scriptCalls).toBe(1);
    expect(await calls.releaseAll()).toBe(10);
    await sleep(100);
    expect(await redis.zcard(`${limitKeyBase(opened[opened.length - 1]!.prefix, 'p')}:concurrency`)).toBe(0);
  });

  it('sends more than one script of attempts one script after the other, none past a refusal', async () => {
    const [a] = processes({ concurrency: 100 });
    const calls = await startTogether(a, 300, 150);
    // The first script (256 calls) admitted 100 and refused the next: the other 44 were not sent.
    expect(calls.runningAtFirst).toBe(100);
    expect(calls.scriptCalls).toBe(1);
    expect(await calls.releaseAll()).toBe(300);
  });

  it('keeps concurrency slots for interactive calls: batch takes at most concurrency - reserve', async () => {
    const [a, b] = processes({ concurrency: 4 });
    const release = deferred();
    let batchRunning = 0;
    const batch = Array.from({ length: 6 }, () =>
      a(call({ trafficClass: 'batch' }))(async () => {
        batchRunning += 1;
        await release.promise;
        return {};
      }),
    );
    await sleep(100);
    expect(batchRunning).toBe(3);
    // Without the reserve it would wait for a batch call to end, which never happens before the release.
    const interactive = b(call())(async () => ({}));
    expect(await Promise.race([interactive.then(() => 'ran'), sleep(1000).then(() => 'waiting')])).toBe('ran');
    release.resolve();
    await Promise.all(batch);
    expect(batchRunning).toBe(6);
  });

  it('lets an interactive waiter through before a batch waiter that waited longer', async () => {
    // Both sleep until the window frees; batch 100 ms longer here (25 ms by default), a margin the event
    // loop of a loaded test machine cannot eat.
    const [a, b] = processes({ rpm: 1, rateWindowMs: 500 }, { batchDelayMs: 100 });
    await a(call())(async () => ({}));
    const order: string[] = [];
    const batch = a(call({ trafficClass: 'batch' }))(async () => {
      order.push('batch');
      return {};
    });
    await sleep(50);
    const interactive = b(call())(async () => {
      order.push('interactive');
      return {};
    });
    await Promise.all([batch, interactive]);
    expect(order).toEqual(['interactive', 'batch']);
  });

  it("pauses every process for the provider's Retry-After after a 429", async () => {
    const [a, b] = processes({ concurrency: 10 });
    const limited = new ProviderError({ provider: 'p', status: 429, message: 'slow down', retryAfterMs: 600 });
    const error = await rejectionOf(
      a(call())(async () => {
        throw limited;
      }),
    );
    expect(error).toBe(limited);
    const pausedAt = performance.now();
    await sleep(20);
    await b(call({ trafficClass: 'batch' }))(async () => ({}));
    expect(performance.now() - pausedAt).toBeGreaterThanOrEqual(550);
  });

  it('reserves estimated tokens and counts the reported usage instead', async () => {
    const [a, b] = processes({ tpm: 100, rateWindowMs: 500 });
    const usage = (promptTokens: number, completionTokens: number) => ({ usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens } });
    await a(call({ estimatedTokens: 80 }))(async () => usage(10, 10));
    const firstDone = performance.now();
    // 20 used, not 80: 70 more fit at once.
    await b(call({ estimatedTokens: 70 }))(async () => usage(60, 10));
    expect(performance.now() - firstDone).toBeLessThan(300);
    // 90 used: 50 more need 40 gone, i.e. both earlier calls out of the window (500 ms after each ended).
    await a(call({ estimatedTokens: 50 }))(async () => ({}));
    expect(performance.now() - firstDone).toBeGreaterThanOrEqual(480);
  });

  it("limits one upstream model by its route's keys, not the provider's other models", async () => {
    const models = { small: { routes: [{ provider: 'p', model: 'small-upstream', rpm: 1 }] } };
    const [a, b] = processes({ rateWindowMs: 2000 }, { models });
    await a(call({ model: 'small-upstream' }))(async () => ({}));
    const started = performance.now();
    await b(call({ model: 'other-upstream' }))(async () => ({}));
    expect(performance.now() - started).toBeLessThan(1000);
    // The limited model still waits (its window is 2 s).
    const waiting = b(call({ model: 'small-upstream' }))(async () => ({}));
    expect(await Promise.race([waiting.then(() => 'ran'), sleep(300).then(() => 'waiting')])).toBe('waiting');
    await waiting;
  });

  it('a call still over the limit at its deadline fails with a retryable 429', async () => {
    const [a] = processes({ rpm: 1, rateWindowMs: 5000 }, { maxWaitMs: { interactive: 200 } });
    await a(call())(async () => ({}));
    const started = performance.now();
    const error = await rejectionOf(a(call())(async () => ({})));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_wait_timeout', retryable: true });
    expect((error as Error).message).toContain('rpm 1 of p');
  });
});
