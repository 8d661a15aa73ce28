import type { RedisClient } from '../redis/redis-connections.ts';
import { breakerSettingsFor, type BreakerSettings, type BreakersConfig } from '../config/routing-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { BreakerKey, BreakerState, CircuitBreakers } from './circuit-breaker-types.ts';
import { partsBySlot } from '../redis/key-slots.ts';

export type BreakerStatus = BreakerKey & { state: BreakerState; failures: number; requests: number; openedAt: number | null };

import { allowsScript, peekScript, recordScript } from './circuit-breaker-scripts.ts';
/** The closed-verdict cache's key: a provider, or a provider and model (both of its levels). */
function closedCacheKey(key: BreakerKey): string {
  return `${key.provider}\u0000${key.model ?? ''}`;
}

/** Shortest time a probe slot is held for a probe whose result never arrives (its worker died). */
const minimumProbeLeaseMs = 10_000;

/**
 * Circuit breakers per provider and per provider+model, their state in Redis hashes updated by Lua
 * scripts (atomic, and timed by Redis's clock), so every API and worker process sees the same state.
 * A key with a `model` covers both levels: `allows` needs both breakers to allow, `record` counts the
 * call on both. Redis trouble fails open: calls go ahead, and the error is logged.
 */
export class RedisCircuitBreakers implements CircuitBreakers {
  /** How long this process trusts a "closed" answer. */
  static readonly closedCacheMs = 100;
  /** How long successes are counted in this process before they are written (one script call for all). */
  static readonly successFlushMs = 100;
  private readonly closedUntil = new Map<string, number>();
  /**
   * Lookups on their way to Redis, per breaker key: whether it answered "closed". Calls that find
   * the closed verdict expired while one is on its way wait for it instead of sending their own, so a
   * busy process asks once per `closedCacheMs`, not once per call starting in that round trip.
   */
  private readonly lookups = new Map<string, Promise<boolean>>();
  /** Outcomes not written yet, per breaker key. */
  private pending = new Map<string, { key: BreakerKey; successes: number; failures: number }>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private readonly indexKey: string;

  constructor(
    private readonly options: {
      redis: RedisClient;
      prefix: string;
      breakers: BreakersConfig;
      logger?: Logger | undefined;
    },
  ) {
    this.indexKey = `${options.prefix}:breakers`;
  }

  async allows(key: BreakerKey): Promise<boolean> {
    const settings = this.settings(key.provider);
    if (!settings.enabled) return true;
    // A closed verdict is reused for a moment: a batch asks for every line, and a breaker that opens
    // meanwhile is honoured within `closedCacheMs` (probe grants are never reused).
    const cacheKey = closedCacheKey(key);
    const closedUntil = this.closedUntil.get(cacheKey);
    if (closedUntil !== undefined && closedUntil > Date.now()) return true;
    // A lookup on its way that finds every breaker closed answers this call too; any other answer
    // (open, or a probe slot granted to that caller) means this call asks for itself.
    const lookup = this.lookups.get(cacheKey);
    if (lookup && (await lookup)) return true;
    const answer = this.lookUp([cacheKey], async () => {
      try {
        return Number(await allowsScript.run(this.options.redis, this.keysOf(key), [settings.cooldownMs, settings.halfOpenProbes, probeLease(settings)]));
      } catch (error) {
        this.options.logger?.warn({ err: error, ...key }, 'circuit breaker unavailable; allowing the call');
        return undefined;
      }
    });
    const verdict = await answer;
    if (verdict === 2) this.closedUntil.set(cacheKey, Date.now() + RedisCircuitBreakers.closedCacheMs);
    else if (verdict !== undefined) this.closedUntil.delete(cacheKey);
    return verdict === undefined || verdict === 1 || verdict === 2;
  }

  /**
   * Runs a lookup of these breaker keys, registered for each so concurrent callers can wait for it:
   * it counts as "closed" for a key when it answers 2 for it (`closedOf`, else the whole answer).
   */
  private lookUp<T>(cacheKeys: readonly string[], run: () => Promise<T>, closedOf: (answer: T, index: number) => boolean = (answer) => answer === 2): Promise<T> {
    const answer = run();
    cacheKeys.forEach((cacheKey, index) => {
      const closed = answer.then(
        (value) => closedOf(value, index),
        () => false,
      );
      this.lookups.set(cacheKey, closed);
      void closed.finally(() => {
        if (this.lookups.get(cacheKey) === closed) this.lookups.delete(cacheKey);
      });
    });
    return answer;
  }

  /**
   * Counts a call's outcome. Successes on a breaker this process last saw closed are gathered and
   * written every `successFlushMs` in one script call with every other breaker's (a closed breaker only
   * counts them); a failure, which may open a breaker, and a probe's success, which closes one, are
   * written at once with whatever is gathered, and awaited.
   */
  async record(key: BreakerKey, outcome: 'success' | 'failure'): Promise<void> {
    const settings = this.settings(key.provider);
    if (!settings.enabled) return;
    const cacheKey = closedCacheKey(key);
    const entry = this.pending.get(cacheKey) ?? { key: { provider: key.provider, ...(key.model === undefined ? {} : { model: key.model }) }, successes: 0, failures: 0 };
    this.pending.set(cacheKey, entry);
    if (outcome === 'success') {
      entry.successes += 1;
      // Known closed here (the last answer for it was): the success only counts, and can wait. A probe's
      // success (its grant cleared that answer) closes the breaker, and is written at once.
      if (this.closedUntil.has(cacheKey)) {
        this.flushTimer ??= setTimeout(() => void this.flush(), RedisCircuitBreakers.successFlushMs).unref();
        return;
      }
    } else {
      entry.failures += 1;
      // A failure may open the breaker: the next call asks Redis again.
      this.closedUntil.delete(cacheKey);
    }
    await this.flush();
  }

  /** Writes the outcomes gathered so far (before a read of the counts, and when the process stops). */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const entries = [...this.pending.values()];
    this.pending = new Map();
    if (entries.length === 0) return this.flushing;
    // In order: a failure written after the successes gathered before it.
    this.flushing = this.flushing.then(() => this.write(entries));
    return this.flushing;
  }

  private async write(entries: ReadonlyArray<{ key: BreakerKey; successes: number; failures: number }>): Promise<void> {
    const { redis } = this.options;
    const written: string[] = [];
    // One script call for all (per provider on a Redis Cluster, where each provider has its own slot).
    const parts = partsBySlot(redis, entries, ({ key }) => this.keysOf(key)[0] ?? '');
    try {
      await Promise.all(
        parts.map((part) => {
          const keys: string[] = [];
          const args: Array<string | number> = [];
          for (const { key, successes, failures } of part) {
            const settings = this.settings(key.provider);
            const own = this.keysOf(key);
            keys.push(...own);
            const ttlMs = 2 * (settings.windowMs + settings.cooldownMs) + 60_000;
            args.push(own.length, successes, failures, settings.failureRate, settings.minRequests, settings.windowMs, ttlMs, key.provider, key.model ?? '');
          }
          written.push(...keys);
          return recordScript.run(redis, keys, args);
        }),
      );
      // The admin list's index: breakers are found through it (an entry whose hash expired is dropped there).
      await redis.zadd(this.indexKey, ...written.flatMap((key) => [Date.now(), key]));
    } catch (error) {
      this.options.logger?.warn({ err: error, breakers: entries.length }, 'circuit breakers unavailable; outcomes not counted');
    }
  }

  /**
   * For the planner: whether each key's calls would be let through now, without taking a probe slot
   * (the worker's `allows` takes it when it calls). Everything allowed when Redis fails. Closed
   * verdicts are reused for `closedCacheMs`, as `allows` does.
   */
  async peek(keys: readonly BreakerKey[]): Promise<boolean[]> {
    const enabled = keys.map((key) => this.settings(key.provider).enabled);
    const checked = keys.filter((_key, index) => enabled[index]);
    if (checked.length === 0) return keys.map(() => true);
    // Every breaker known closed a moment ago (here, or by `allows`): no Redis round trip per request.
    const isClosed = (key: BreakerKey) => (this.closedUntil.get(closedCacheKey(key)) ?? 0) > Date.now();
    if (checked.every(isClosed)) return keys.map(() => true);
    // Or about to be known: lookups on their way for the others, which all find them closed.
    const waits = checked.filter((key) => !isClosed(key)).map((key) => this.lookups.get(closedCacheKey(key)));
    if (waits.every((wait) => wait !== undefined) && (await Promise.all(waits)).every(Boolean)) return keys.map(() => true);
    const redisKeys = checked.flatMap((key) => this.keysOf(key));
    const args = checked.flatMap((key) => {
      const settings = this.settings(key.provider);
      const triple = [settings.cooldownMs, settings.halfOpenProbes, probeLease(settings)];
      return key.model === undefined ? triple : [...triple, ...triple];
    });
    // Each checked key's answers: one flag per breaker (the provider's, then the model's).
    let next = 0;
    const ranges = checked.map((key) => {
      const start = next;
      next += key.model === undefined ? 1 : 2;
      return { start, end: next };
    });
    const flagsOf = (answers: unknown[] | undefined, index: number): unknown[] | undefined => answers?.slice(ranges[index]?.start, ranges[index]?.end);
    const allClosed = (flags: unknown[] | undefined, index: number) => {
      const range = ranges[index];
      return flags !== undefined && range !== undefined && flags.length === range.end - range.start && flags.every((flag) => flag === 2);
    };
    const answers = await this.lookUp(
      checked.map(closedCacheKey),
      async (): Promise<unknown[] | undefined> => {
        try {
          // One script call (per provider on a Redis Cluster), the answers in the keys' order.
          const parts = partsBySlot(
            this.options.redis,
            redisKeys.map((key, index) => ({ key, args: args.slice(index * 3, index * 3 + 3) })),
            (entry) => entry.key,
          );
          const replies = await Promise.all(
            parts.map((part) =>
              peekScript.run(
                this.options.redis,
                part.map((entry) => entry.key),
                part.flatMap((entry) => entry.args),
              ),
            ),
          );
          const byKey = new Map<string, unknown>();
          parts.forEach((part, index) => {
            const reply = replies[index];
            part.forEach((entry, position) => byKey.set(entry.key, Array.isArray(reply) ? reply[position] : undefined));
          });
          return redisKeys.map((key) => byKey.get(key));
        } catch (error) {
          this.options.logger?.warn({ err: error }, 'circuit breakers unavailable; planning as if closed');
          return undefined;
        }
      },
      (reply, index) => allClosed(flagsOf(reply, index), index),
    );
    if (answers === undefined) return keys.map(() => true);
    const now = Date.now();
    const results = new Map<BreakerKey, boolean>();
    checked.forEach((key, index) => {
      const own = flagsOf(answers, index) ?? [];
      results.set(
        key,
        own.every((flag) => flag === 1 || flag === 2),
      );
      if (allClosed(own, index)) this.closedUntil.set(closedCacheKey(key), now + RedisCircuitBreakers.closedCacheMs);
      else this.closedUntil.delete(closedCacheKey(key));
    });
    return keys.map((key) => results.get(key) ?? true);
  }

  async list(): Promise<BreakerStatus[]> {
    // This process's outcomes not written yet count too.
    await this.flush();
    const { redis } = this.options;
    const [seconds, micros] = await redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const keys = await redis.zrange(this.indexKey, 0, -1);
    const hashes = await Promise.all(keys.map((key) => redis.hgetall(key)));
    const statuses: BreakerStatus[] = [];
    const gone: string[] = [];
    keys.forEach((key, index) => {
      const hash = hashes[index] ?? {};
      if (!hash['provider']) {
        gone.push(key); // expired: no activity for a long while
        return;
      }
      statuses.push(toStatus(hash, now, this.settings(hash['provider'])));
    });
    if (gone.length > 0) await redis.zrem(this.indexKey, ...gone);
    return statuses.sort((left, right) => left.provider.localeCompare(right.provider) || (left.model ?? '').localeCompare(right.model ?? ''));
  }

  private settings(provider: string): BreakerSettings {
    return breakerSettingsFor(this.options.breakers, provider);
  }

  /**
   * `<prefix>:breaker:{<provider>}` and `<prefix>:breaker:{<provider>}:m:<model>`: the braces are a
   * Redis Cluster hash tag, so a call's two breakers share the slot its one script call needs.
   */
  private keysOf(key: BreakerKey): string[] {
    const providerKey = `${this.options.prefix}:breaker:{${key.provider}}`;
    return key.model === undefined ? [providerKey] : [providerKey, `${providerKey}:m:${key.model}`];
  }
}

function probeLease(settings: BreakerSettings): number {
  return Math.max(settings.cooldownMs, minimumProbeLeaseMs);
}

/** A breaker hash as the API shows it; an open breaker past its cooldown is reported half-open. */
function toStatus(hash: Record<string, string>, now: number, settings: BreakerSettings): BreakerStatus {
  let requests = 0;
  let failures = 0;
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('r:')) requests += Number(value);
    else if (field.startsWith('f:')) failures += Number(value);
  }
  const openedAt = hash['openedAt'] ? Number(hash['openedAt']) : null;
  const stored = hash['state'];
  const state: BreakerState = stored === 'open' ? (openedAt !== null && now - openedAt >= settings.cooldownMs ? 'half_open' : 'open') : stored === 'half_open' ? 'half_open' : 'closed';
  return {
    provider: hash['provider'] ?? '',
    ...(hash['model'] ? { model: hash['model'] } : {}),
    state,
    failures,
    requests,
    openedAt: state === 'closed' ? null : openedAt,
  };
}
