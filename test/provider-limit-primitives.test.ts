import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLimits, pauseLimits, settleLimits, type LimitSet } from '../src/limits/provider/limit-scripts.ts';
import { RedisSemaphore } from '../src/limits/redis-semaphore.ts';
import { RedisSlidingWindow } from '../src/limits/redis-sliding-window.ts';
import { deleteRedisPrefix, testRedisUrl, uniqueName } from './support/test-services.ts';

// Times are injected (`now`), so every edge is exact; only lease expiry in real time sleeps.
let redis: Redis;
const prefix = uniqueName('limitprim');
let keyCount = 0;
const key = (label: string) => `${prefix}:${label}:${(keyCount += 1)}`;

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
  await deleteRedisPrefix(prefix);
});

describe('sliding window (requests)', () => {
  const settings = { limit: 3, windowMs: 1000, leaseMs: 5000, unit: true };
  /** Acquires and completes at once: the entry counts from `now`. */
  async function call(window: RedisSlidingWindow, holder: string, now: number) {
    const attempt = await window.tryAcquire(holder, 1, { ...settings, now });
    if (attempt.acquired) await window.settle(holder, { reserved: 1, actual: 1 }, { windowMs: settings.windowMs, now });
    return attempt;
  }

  it('a burst at the edge of a "minute" counts against the next one', async () => {
    const window = new RedisSlidingWindow(redis, key('rpm'));
    for (const [index, now] of [997, 998, 999].entries()) expect(await call(window, `a${index}`, now)).toEqual({ acquired: true });
    // A fixed window would start afresh at 1000; a sliding one waits until the first call is 1000 ms old.
    expect(await call(window, 'b', 1000)).toEqual({ acquired: false, waitMs: 997 });
    expect(await call(window, 'b', 1996)).toEqual({ acquired: false, waitMs: 1 });
    expect(await call(window, 'b', 1997)).toEqual({ acquired: true });
    expect(await call(window, 'c', 1997)).toEqual({ acquired: false, waitMs: 1 });
    expect(await window.used({ windowMs: 1000, now: 1999 })).toBe(1);
  });

  it('allows exactly N in any window, and refuses only when N are in it, with the exact wait', async () => {
    const window = new RedisSlidingWindow(redis, key('rpm'));
    const accepted: number[] = [];
    let now = 0;
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let index = 0; index < 400; index += 1) {
      now += Math.floor(random() * 60);
      const attempt = await call(window, `h${index}`, now);
      const inWindow = accepted.filter((time) => time > now - settings.windowMs);
      if (attempt.acquired) {
        expect(inWindow.length).toBeLessThan(settings.limit);
        accepted.push(now);
      } else {
        expect(inWindow.length).toBe(settings.limit);
        expect(attempt.waitMs).toBe(Math.min(...inWindow) + settings.windowMs - now);
      }
    }
    // Every window (t - 1000, t] over the run holds at most 3.
    for (const end of accepted) expect(accepted.filter((time) => time > end - 1000 && time <= end).length).toBeLessThanOrEqual(3);
    expect(accepted.length).toBeGreaterThan(30);
  });

  it('a call in flight counts until it completes, then for a window from its completion', async () => {
    const window = new RedisSlidingWindow(redis, key('rpm'));
    const one = { ...settings, limit: 1 };
    expect(await window.tryAcquire('slow', 1, { ...one, now: 0 })).toEqual({ acquired: true });
    // The wait cannot be known while the call runs.
    expect(await window.tryAcquire('next', 1, { ...one, now: 1500 })).toEqual({ acquired: false, waitMs: -1 });
    await window.settle('slow', { reserved: 1, actual: 1 }, { windowMs: 1000, now: 1600 });
    expect(await window.tryAcquire('next', 1, { ...one, now: 2599 })).toEqual({ acquired: false, waitMs: 1 });
    expect(await window.tryAcquire('next', 1, { ...one, now: 2600 })).toEqual({ acquired: true });
  });
});

describe('sliding window (tokens)', () => {
  const settings = { limit: 100, windowMs: 1000, leaseMs: 5000 };

  it('reserves the estimate, then counts the reported usage', async () => {
    const window = new RedisSlidingWindow(redis, key('tpm'));
    expect(await window.tryAcquire('h1', 60, { ...settings, now: 0 })).toEqual({ acquired: true });
    expect(await window.tryAcquire('h2', 50, { ...settings, now: 10 })).toEqual({ acquired: false, waitMs: -1 });
    // h1 used 30 tokens, not the 60 reserved: 70 are free again.
    await window.settle('h1', { reserved: 60, actual: 30 }, { windowMs: 1000, now: 20 });
    expect(await window.used({ windowMs: 1000, now: 20 })).toBe(30);
    expect(await window.tryAcquire('h2', 50, { ...settings, now: 30 })).toEqual({ acquired: true });
    // 80 used; 30 more need h1's 30 gone, 1000 ms after it completed.
    expect(await window.tryAcquire('h3', 30, { ...settings, now: 40 })).toEqual({ acquired: false, waitMs: 980 });
    await window.settle('h2', { reserved: 50, actual: 120 }, { windowMs: 1000, now: 50 });
    expect(await window.used({ windowMs: 1000, now: 50 })).toBe(150);
    expect(await window.used({ windowMs: 1000, now: 1020 })).toBe(120);
    expect(await window.used({ windowMs: 1000, now: 1050 })).toBe(0);
  });

  it('admits a call larger than the whole limit when the window is empty', async () => {
    const window = new RedisSlidingWindow(redis, key('tpm'));
    expect(await window.tryAcquire('big', 250, { ...settings, now: 0 })).toEqual({ acquired: true });
    expect(await window.tryAcquire('small', 1, { ...settings, now: 1 })).toEqual({ acquired: false, waitMs: -1 });
  });
});

describe('semaphore', () => {
  it('counts holders up to the limit and frees a slot on release', async () => {
    const semaphore = new RedisSemaphore(redis, key('sem'));
    const options = { limit: 2, leaseMs: 60_000 };
    expect(await semaphore.tryAcquire('a', options)).toEqual({ acquired: true });
    expect(await semaphore.tryAcquire('b', options)).toEqual({ acquired: true });
    expect(await semaphore.tryAcquire('c', options)).toEqual({ acquired: false, waitMs: -1 });
    expect(await semaphore.release('a')).toBe(true);
    expect(await semaphore.tryAcquire('c', options)).toEqual({ acquired: true });
  });

  it('a lease ends at its time: a holder that never releases (a killed process) leaks nothing', async () => {
    const semaphore = new RedisSemaphore(redis, key('sem'));
    expect(await semaphore.tryAcquire('killed', { limit: 1, leaseMs: 500, now: 10_000 })).toEqual({ acquired: true });
    expect(await semaphore.tryAcquire('next', { limit: 1, leaseMs: 500, now: 10_499 })).toEqual({ acquired: false, waitMs: -1 });
    expect(await semaphore.tryAcquire('next', { limit: 1, leaseMs: 500, now: 10_500 })).toEqual({ acquired: true });
    expect(await semaphore.release('killed')).toBe(false);

    // The same on Redis's own clock.
    const live = new RedisSemaphore(redis, key('sem'));
    expect(await live.tryAcquire('killed', { limit: 1, leaseMs: 300 })).toEqual({ acquired: true });
    expect(await live.tryAcquire('next', { limit: 1, leaseMs: 300 })).toEqual({ acquired: false, waitMs: -1 });
    await sleep(350);
    expect(await live.tryAcquire('next', { limit: 1, leaseMs: 300 })).toEqual({ acquired: true });
  });
});

describe('limit sets', () => {
  const setOf = (base: string, limits: { concurrency: number; rpm: number }): LimitSet => ({
    constraints: [
      { kind: 'pause', key: `${base}:pause` },
      { kind: 'concurrency', key: `${base}:concurrency`, limit: limits.concurrency },
      { kind: 'requests', key: `${base}:rpm`, limit: limits.rpm },
    ],
    windowMs: 1000,
    leaseMs: 5000,
    waitingKey: `${base}:waiting`,
    releaseChannel: `${base}:released`,
  });

  it('takes every constraint or none, and reports the longest known wait', async () => {
    const base = key('set');
    const set = setOf(base, { concurrency: 5, rpm: 1 });
    expect(await acquireLimits(redis, set, { holder: 'a', tokens: 0, now: 0 })).toEqual({ acquired: true });
    await settleLimits(redis, set, [{ holder: 'a', reservedTokens: 0, actualTokens: 0 }], 100);
    const refused = await acquireLimits(redis, set, { holder: 'b', tokens: 0, now: 200 });
    expect(refused).toEqual({ acquired: false, waitMs: 900, constraint: set.constraints[2] });
    // The free concurrency slot was not taken by the refused call.
    expect(await redis.zcard(`${base}:concurrency`)).toBe(0);
  });

  it('a pause holds every call until it ends, is extended but never shortened', async () => {
    const base = key('set');
    const set = setOf(base, { concurrency: 5, rpm: 100 });
    await pauseLimits(redis, `${base}:pause`, 5000, 1000);
    await pauseLimits(redis, `${base}:pause`, 1000, 2000);
    expect(await acquireLimits(redis, set, { holder: 'a', tokens: 0, now: 3000 })).toEqual({ acquired: false, waitMs: 3000, constraint: set.constraints[0] });
    expect(await acquireLimits(redis, set, { holder: 'a', tokens: 0, now: 6000 })).toEqual({ acquired: true });
  });

  it('announces a release only while some process waits for one', async () => {
    const base = key('set');
    const set = setOf(base, { concurrency: 1, rpm: 100 });
    const subscriber = new Redis(testRedisUrl());
    const messages: string[] = [];
    subscriber.on('message', (channel: string) => messages.push(channel));
    await subscriber.subscribe(set.releaseChannel);
    try {
      await acquireLimits(redis, set, { holder: 'a', tokens: 0 });
      await settleLimits(redis, set, [{ holder: 'a', reservedTokens: 0, actualTokens: 0 }]);
      await acquireLimits(redis, set, { holder: 'b', tokens: 0 });
      expect(await acquireLimits(redis, set, { holder: 'c', tokens: 0 })).toMatchObject({ acquired: false, waitMs: -1 });
      await settleLimits(redis, set, [{ holder: 'b', reservedTokens: 0, actualTokens: 0 }]);
      await sleep(50);
      expect(messages).toEqual([set.releaseChannel]);
    } finally {
      await subscriber.quit();
    }
  });
});
