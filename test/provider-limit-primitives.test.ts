import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLimits, acquireLimitsInOrder, pauseLimits, settleLimits, type LimitSet } from '../src/limits/provider/limit-scripts.ts';
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

  it('admits many calls in order in one script call, exactly as many as fit, and names why the next waits', async () => {
    const base = key('set');
    const set = setOf(base, { concurrency: 3, rpm: 100 });
    const calls = ['a', 'b', 'c', 'd', 'e'].map((holder) => ({ holder, tokens: 0 }));
    expect(await acquireLimitsInOrder(redis, set, calls, 0)).toEqual({ acquired: 3, refusal: { waitMs: -1, constraint: set.constraints[1] } });
    expect((await redis.zrange(`${base}:concurrency`, 0, -1)).sort()).toEqual(['a', 'b', 'c']);
    // Each admitted call is in the requests window, and only those.
    expect(await redis.get(`${base}:rpm:total`)).toBe('3');
    expect((await redis.zrange(`${base}:rpm`, 0, -1)).sort()).toEqual(['a|1', 'b|1', 'c|1']);
    // A refusal wrote nothing but the waiting flag: a release will be announced.
    expect(await redis.exists(set.waitingKey)).toBe(1);
    await settleLimits(
      redis,
      set,
      [
        { holder: 'a', reservedTokens: 0, actualTokens: 0 },
        { holder: 'b', reservedTokens: 0, actualTokens: 0 },
      ],
      50,
    );
    expect(await acquireLimitsInOrder(redis, set, calls.slice(3), 60)).toEqual({ acquired: 2 });
    expect(await redis.zcard(`${base}:concurrency`)).toBe(3);
  });

  it('counts a window the way single calls would: the exact wait of the first refused, none after it overtaking', async () => {
    const base = key('set');
    const windowed: LimitSet = {
      ...setOf(base, { concurrency: 100, rpm: 3 }),
      constraints: [
        { kind: 'requests', key: `${base}:rpm`, limit: 3 },
        { kind: 'tokens', key: `${base}:tpm`, limit: 100 },
      ],
    };
    await acquireLimitsInOrder(redis, windowed, [{ holder: 'old', tokens: 10 }], 0);
    await settleLimits(redis, windowed, [{ holder: 'old', reservedTokens: 10, actualTokens: 10 }], 200);
    // 'old' counts from 200: at 500, two more requests fit, the third waits until 1200.
    const outcome = await acquireLimitsInOrder(
      redis,
      windowed,
      [
        { holder: 'x', tokens: 20 },
        { holder: 'y', tokens: 20 },
        { holder: 'z', tokens: 1 },
      ],
      500,
    );
    expect(outcome).toEqual({ acquired: 2, refusal: { waitMs: 700, constraint: windowed.constraints[0] } });
    // Tokens: 10 settled at 200 and 40 in flight; a heavy call waits for the settled 10 to leave the
    // window, and a light one behind it does not overtake it.
    const heavy = await acquireLimitsInOrder(
      redis,
      { ...windowed, constraints: [windowed.constraints[1]!] },
      [
        { holder: 'heavy', tokens: 60 },
        { holder: 'light', tokens: 1 },
      ],
      600,
    );
    expect(heavy).toEqual({ acquired: 0, refusal: { waitMs: 600, constraint: windowed.constraints[1] } });
    expect(await redis.get(`${base}:tpm:total`)).toBe('50');
  });

  it('settles many calls with their real token counts, and stays exact when a lease had ended first', async () => {
    const base = key('set');
    const set: LimitSet = {
      ...setOf(base, { concurrency: 10, rpm: 100 }),
      leaseMs: 1000,
      constraints: [
        { kind: 'concurrency', key: `${base}:concurrency`, limit: 10 },
        { kind: 'tokens', key: `${base}:tpm`, limit: 1000 },
      ],
    };
    await acquireLimitsInOrder(
      redis,
      set,
      [
        { holder: 'a', tokens: 100 },
        { holder: 'b', tokens: 200 },
        { holder: 'c', tokens: 50 },
      ],
      0,
    );
    expect(await redis.get(`${base}:tpm:total`)).toBe('350');
    await settleLimits(
      redis,
      set,
      [
        { holder: 'a', reservedTokens: 100, actualTokens: 30 },
        { holder: 'b', reservedTokens: 200, actualTokens: 250 },
      ],
      100,
    );
    expect(await redis.get(`${base}:tpm:total`)).toBe('330');
    expect((await redis.zrange(`${base}:tpm`, 0, -1, 'WITHSCORES')).join(',')).toBe('a|30,100,b|250,100,c|50,1000');
    expect(await redis.zcard(`${base}:concurrency`)).toBe(1);
    // c's entry is gone (as a window trim after its lease would remove it) before c settles.
    await redis.zrem(`${base}:tpm`, 'c|50');
    await redis.decrby(`${base}:tpm:total`, 50);
    await settleLimits(
      redis,
      set,
      [
        { holder: 'c', reservedTokens: 50, actualTokens: 40 },
        { holder: 'gone', reservedTokens: 5, actualTokens: 5 },
      ],
      2000,
    );
    expect(await redis.get(`${base}:tpm:total`)).toBe(String(30 + 250 + 40 + 5));
    expect(await redis.zcard(`${base}:concurrency`)).toBe(0);
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
