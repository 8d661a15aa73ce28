import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { breakersSchema } from '../src/config/routing-config.ts';
import { RedisCircuitBreakers } from '../src/routing/redis-circuit-breakers.ts';
import { RedisRouteLatencies } from '../src/routing/redis-route-latencies.ts';
import { deleteRedisPrefix, testRedisUrl, uniqueName } from './support/test-services.ts';

/** Breakers and latencies against a real Redis: the Lua scripts are the implementation. */
describe('RedisCircuitBreakers', () => {
  const redis = new Redis(testRedisUrl());
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deleteRedisPrefix(prefix);
    await redis.quit();
  });

  function breakers(settings: Record<string, unknown> = {}) {
    const prefix = uniqueName('breakers');
    prefixes.push(prefix);
    const config = breakersSchema.parse({ failureRate: 0.5, minRequests: 4, windowMs: 10_000, cooldownMs: 150, ...settings });
    return new RedisCircuitBreakers({ redis, prefix, breakers: config });
  }
  const route = { provider: 'openai', model: 'gpt-4o-mini' };
  /** A connection of its own that counts the script calls sent on it. */
  function countingScripts() {
    const counted = { redis: new Redis(testRedisUrl()), scriptCalls: 0 };
    const evalsha = counted.redis.evalsha.bind(counted.redis);
    counted.redis.evalsha = ((...args: Parameters<typeof evalsha>) => {
      counted.scriptCalls += 1;
      return evalsha(...args);
    }) as typeof counted.redis.evalsha;
    return counted;
  }
  const repeat = async (times: number, action: () => Promise<unknown>) => {
    for (let index = 0; index < times; index += 1) await action();
  };

  it('stays closed below the minimum number of calls, whatever the failure rate', async () => {
    const subject = breakers();
    await repeat(3, () => subject.record(route, 'failure'));
    expect(await subject.allows(route)).toBe(true);
    expect(await subject.list()).toContainEqual({ provider: 'openai', state: 'closed', failures: 3, requests: 3, openedAt: null });
  });

  it('stays closed while failures stay under the rate', async () => {
    const subject = breakers();
    await repeat(3, () => subject.record(route, 'success'));
    await repeat(2, () => subject.record(route, 'failure'));
    expect(await subject.allows(route)).toBe(true);
  });

  it('opens at the failure rate over the minimum calls, on the provider and the provider+model', async () => {
    const subject = breakers();
    await repeat(2, () => subject.record(route, 'success'));
    await repeat(2, () => subject.record(route, 'failure'));
    expect(await subject.allows(route)).toBe(false);
    expect(await subject.allows({ provider: 'openai' })).toBe(false);
    // Another model of the provider: its provider-level breaker is open too.
    expect(await subject.allows({ provider: 'openai', model: 'gpt-4o' })).toBe(false);
    expect(await subject.allows({ provider: 'anthropic', model: 'claude' })).toBe(true);
    const states = await subject.list();
    expect(states.map((status) => [status.provider, status.model, status.state])).toEqual([
      ['openai', undefined, 'open'],
      ['openai', 'gpt-4o-mini', 'open'],
    ]);
    expect(states[0]?.openedAt).toEqual(expect.any(Number));
  });

  it('counts a model’s failures on its own breaker without opening the provider', async () => {
    const subject = breakers();
    const other = { provider: 'openai', model: 'gpt-4o' };
    await repeat(20, () => subject.record({ provider: 'openai', model: 'healthy' }, 'success'));
    await repeat(4, () => subject.record(route, 'failure'));
    // The provider saw 4 failures in 24 calls; the model 4 in 4.
    expect(await subject.allows({ provider: 'openai' })).toBe(true);
    expect(await subject.allows(other)).toBe(true);
    expect(await subject.allows(route)).toBe(false);
  });

  it('writes the successes of a breaker known closed together, in one script call, and counts every one', async () => {
    const counting = countingScripts();
    try {
      const prefix = uniqueName('breakers');
      prefixes.push(prefix);
      const subject = new RedisCircuitBreakers({ redis: counting.redis, prefix, breakers: breakersSchema.parse({ minRequests: 4 }) });
      expect(await subject.allows(route)).toBe(true); // closed: successes may wait
      const before = counting.scriptCalls;
      await Promise.all(Array.from({ length: 50 }, () => subject.record(route, 'success')));
      expect(counting.scriptCalls).toBe(before); // nothing written yet
      await sleep(RedisCircuitBreakers.successFlushMs + 100);
      expect(counting.scriptCalls).toBe(before + 1);
      const model = (await subject.list()).find((status) => status.model === route.model);
      expect(model).toMatchObject({ state: 'closed', requests: 50, failures: 0 });
      // A failure is written at once, with what was gathered before it.
      await subject.record(route, 'success');
      await subject.record(route, 'failure');
      expect((await subject.list()).find((status) => status.model === route.model)).toMatchObject({ requests: 52, failures: 1 });
    } finally {
      await counting.redis.quit();
    }
  });

  it('asks Redis once for the calls that start together, closed or not; probe slots are never shared', async () => {
    const counting = countingScripts();
    try {
      const prefix = uniqueName('breakers');
      prefixes.push(prefix);
      const subject = new RedisCircuitBreakers({ redis: counting.redis, prefix, breakers: breakersSchema.parse({ minRequests: 1, failureRate: 1, cooldownMs: 150 }) });
      // Closed: 30 calls and 30 planner peeks at once, one lookup between them.
      const answers = await Promise.all([...Array.from({ length: 30 }, () => subject.allows(route)), ...Array.from({ length: 30 }, async () => (await subject.peek([route]))[0])]);
      expect(answers.every((answer) => answer === true)).toBe(true);
      expect(counting.scriptCalls).toBe(1);
      // Half-open after a failure and the cooldown: each call asks for itself, and one probe goes through.
      await subject.record(route, 'failure');
      await sleep(200);
      const before = counting.scriptCalls;
      const probes = await Promise.all(Array.from({ length: 5 }, () => subject.allows(route)));
      expect(probes.filter(Boolean)).toHaveLength(1);
      expect(counting.scriptCalls - before).toBe(5);
    } finally {
      await counting.redis.quit();
    }
  });

  it('half-opens after the cooldown with one probe; the probe’s success closes it', async () => {
    const subject = breakers({ minRequests: 2, failureRate: 1 });
    const key = { provider: 'openai' };
    await repeat(2, () => subject.record(key, 'failure'));
    expect(await subject.allows(key)).toBe(false);
    await sleep(200);
    expect((await subject.peek([key]))[0]).toBe(true);
    expect(await subject.allows(key)).toBe(true); // the probe
    expect(await subject.allows(key)).toBe(false); // one probe at a time
    expect((await subject.peek([key]))[0]).toBe(false);
    expect((await subject.list())[0]?.state).toBe('half_open');
    await subject.record(key, 'success');
    expect(await subject.allows(key)).toBe(true);
    expect(await subject.list()).toEqual([{ provider: 'openai', state: 'closed', failures: 0, requests: 0, openedAt: null }]);
  });

  it('re-opens when the probe fails, for another full cooldown', async () => {
    const subject = breakers({ minRequests: 2, failureRate: 1 });
    const key = { provider: 'openai' };
    await repeat(2, () => subject.record(key, 'failure'));
    await sleep(200);
    expect(await subject.allows(key)).toBe(true);
    await subject.record(key, 'failure');
    expect(await subject.allows(key)).toBe(false);
    expect((await subject.list())[0]?.state).toBe('open');
    await sleep(200);
    expect(await subject.allows(key)).toBe(true);
  });

  it('a planner trusts a closed verdict for closedCacheMs, then sees a breaker another process opened', async () => {
    const config = breakersSchema.parse({ failureRate: 1, minRequests: 1, windowMs: 10_000, cooldownMs: 60_000 });
    const prefix = uniqueName('breakers');
    prefixes.push(prefix);
    const planner = new RedisCircuitBreakers({ redis, prefix, breakers: config });
    const worker = new RedisCircuitBreakers({ redis, prefix, breakers: config });
    expect(await planner.peek([route])).toEqual([true]);
    await worker.record(route, 'failure'); // opens it, in another process's view
    expect(await planner.peek([route])).toEqual([true]); // within the moment it trusts "closed"
    await sleep(RedisCircuitBreakers.closedCacheMs + 20);
    expect(await planner.peek([route])).toEqual([false]);
    // Not closed: no longer cached, so it is asked again every time.
    expect(await planner.peek([route])).toEqual([false]);
  });

  it('lets halfOpenProbes calls through at once', async () => {
    const subject = breakers({ minRequests: 1, failureRate: 1, halfOpenProbes: 2 });
    const key = { provider: 'openai' };
    await subject.record(key, 'failure');
    await sleep(200);
    expect([await subject.allows(key), await subject.allows(key), await subject.allows(key)]).toEqual([true, true, false]);
  });

  it('peeks without taking the probe slot', async () => {
    const subject = breakers({ minRequests: 1, failureRate: 1 });
    const key = { provider: 'openai', model: 'm' };
    await subject.record(key, 'failure');
    expect(await subject.peek([key, { provider: 'anthropic' }])).toEqual([false, true]);
    await sleep(200);
    expect(await subject.peek([key])).toEqual([true]);
    expect(await subject.peek([key])).toEqual([true]);
    expect(await subject.allows(key)).toBe(true);
  });

  it('applies a provider’s own settings over the global ones, and none when disabled', async () => {
    const subject = breakers({ providers: { fragile: { minRequests: 1, failureRate: 1 }, ignored: { enabled: false } } });
    await subject.record({ provider: 'fragile' }, 'failure');
    await subject.record({ provider: 'openai' }, 'failure');
    await repeat(10, () => subject.record({ provider: 'ignored' }, 'failure'));
    expect(await subject.allows({ provider: 'fragile' })).toBe(false);
    expect(await subject.allows({ provider: 'openai' })).toBe(true);
    expect(await subject.allows({ provider: 'ignored' })).toBe(true);
    expect((await subject.list()).map((status) => status.provider)).toEqual(['fragile', 'openai']);
  });

  it('forgets failures that leave the rolling window', async () => {
    const subject = breakers({ minRequests: 2, failureRate: 1, windowMs: 200 });
    await subject.record(route, 'failure');
    await sleep(300);
    await subject.record(route, 'failure');
    expect(await subject.allows(route)).toBe(true);
    expect((await subject.list()).find((status) => status.model)?.requests).toBe(1);
  });

  it('fails open when Redis is unreachable', async () => {
    const broken = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const subject = new RedisCircuitBreakers({ redis: broken, prefix: 'none', breakers: breakersSchema.parse({}) });
    expect(await subject.allows(route)).toBe(true);
    await expect(subject.record(route, 'failure')).resolves.toBeUndefined();
    expect(await subject.peek([route])).toEqual([true]);
    broken.disconnect();
  });
});

describe('RedisRouteLatencies', () => {
  const redis = new Redis(testRedisUrl());
  const prefix = uniqueName('latency');
  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    await redis.quit();
  });

  it('keeps an exponentially weighted average per provider and model', async () => {
    const latencies = new RedisRouteLatencies({ redis, prefix, smoothing: 0.5, maxAgeMs: 60_000 });
    const route = { provider: 'openai', upstreamModel: 'gpt-4o-mini' };
    await latencies.record(route, 100);
    await latencies.record(route, 300);
    await latencies.record({ provider: 'backup', upstreamModel: 'gpt-4o-mini' }, 50);
    const read = await latencies.read([route, { provider: 'backup', upstreamModel: 'gpt-4o-mini' }, { provider: 'none', upstreamModel: 'x' }]);
    expect(read).toEqual(
      new Map([
        ['openai/gpt-4o-mini', 200],
        ['backup/gpt-4o-mini', 50],
      ]),
    );
  });

  it('sends at most one sample per route per sampleEveryMs from a process', async () => {
    const latencies = new RedisRouteLatencies({ redis, prefix: `${prefix}-sampled`, smoothing: 0.5, maxAgeMs: 60_000, sampleEveryMs: 60_000 });
    const route = { provider: 'openai', upstreamModel: 'sampled' };
    await latencies.record(route, 100);
    await latencies.record(route, 900);
    expect((await latencies.read([route])).get('openai/sampled')).toBe(100);
    await deleteRedisPrefix(`${prefix}-sampled`);
  });

  it('forgets an average older than maxAgeMs', async () => {
    const latencies = new RedisRouteLatencies({ redis, prefix: `${prefix}-old`, smoothing: 0.5, maxAgeMs: 1000 });
    const route = { provider: 'openai', upstreamModel: 'm' };
    await latencies.record(route, 100);
    expect((await latencies.read([route])).get('openai/m')).toBe(100);
    await sleep(1100);
    expect((await latencies.read([route])).size).toBe(0);
    await latencies.record(route, 500);
    expect((await latencies.read([route])).get('openai/m')).toBe(500);
    await deleteRedisPrefix(`${prefix}-old`);
  });
});
