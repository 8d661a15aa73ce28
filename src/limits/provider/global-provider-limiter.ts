import { randomBytes } from 'node:crypto';
import { duplicateRedis } from '../../redis/redis-connections.ts';
import type { RedisClient } from '../../redis/redis-connections.ts';
import type { GatewayConfig } from '../../config/gateway-config.ts';
import type { Logger } from '../../logging/logger.ts';
import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import type { Limiter, ProviderCallRequest, TrafficClass } from './provider-limits.ts';
import { describeConstraint, planProviderLimits, releaseChannel, routeLimitsByModel, type ProviderLimitPlan } from './limit-plan.ts';
import { defaultWaitTiming, LimitQueue, type LimitAttempt, type WaitTiming } from './limit-queue.ts';
import { acquireLimitsInOrder, pauseLimits, settleLimits, type LimitSet, type SettledCall } from './limit-scripts.ts';

export interface GlobalProviderLimiterOptions {
  config: GatewayConfig;
  /** Commands; the limiter duplicates it for its own connection and a subscriber. */
  redis: RedisClient;
  /** The gateway's Redis prefix: keys are `<prefix>:limits:<provider>…`. */
  prefix: string;
  logger: Logger;
  /**
   * Longest a call waits for its limits before failing with a retryable 429.
   * @defaultValue interactive: `server.requestTimeoutMs` (its caller gives up then); batch: 24 h
   */
  maxWaitMs?: Partial<Record<TrafficClass, number>>;
  /** A provider's 429 pauses it for its Retry-After, bounded. @defaultValue { defaultMs: 3000, maxMs: 60000 } */
  pause?: { defaultMs: number; maxMs: number };
  timing?: WaitTiming;
}

interface PendingAttempt {
  holder: string;
  tokens: number;
  resolve(attempt: LimitAttempt): void;
  reject(error: unknown): void;
}

/** Most calls one acquire script admits; more attempts in one turn go in several. */
const maxCallsPerAcquire = 256;

interface ModelLimits {
  plan: ProviderLimitPlan;
  queue: LimitQueue;
}

interface ProviderState {
  inFlight: number;
  models: Map<string, ModelLimits>;
}

/**
 * Provider limits shared by every worker process through Redis: concurrency, rpm and tpm per provider
 * and per upstream model, and a provider-wide pause after a 429. A call takes every limit in one
 * atomic script (or none), waits (without polling Redis in a loop) while refused, and settles after:
 * its slot freed, its window entry re-timed to its completion and its tokens set to the reported usage.
 */
export class GlobalProviderLimiter {
  private readonly commands: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly providers = new Map<string, ProviderState>();
  private readonly channels = new Map<string, string>();
  private readonly routeLimits: ReturnType<typeof routeLimitsByModel>;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly holderPrefix = randomBytes(6).toString('base64url');
  private holderCount = 0;
  /** Calls ended this event-loop turn, per limit set: settled together, before any attempt is sent. */
  private settles = new Map<LimitSet, { provider: string; calls: SettledCall[] }>();
  /** Attempts made this event-loop turn, per limit set: sent together, in order, after the settles. */
  private attempts = new Map<LimitSet, { plan: ProviderLimitPlan; calls: PendingAttempt[] }>();
  private flushScheduled = false;
  private readonly maxWaitMs: Record<TrafficClass, number>;
  private readonly pause: { defaultMs: number; maxMs: number };
  private readonly timing: WaitTiming;
  private closed = false;

  constructor(private readonly options: GlobalProviderLimiterOptions) {
    const { config, redis, prefix } = options;
    // No auto-pipelining: the limiter gathers a turn's acquires and settles itself, and ioredis's would
    // hold each script call back one more event-loop turn.
    this.commands = duplicateRedis(redis, `${prefix}-limits`, options.logger);
    this.subscriber = duplicateRedis(redis, `${prefix}-limits-sub`, options.logger);
    this.routeLimits = routeLimitsByModel(config);
    this.maxWaitMs = { interactive: config.server.requestTimeoutMs, batch: 24 * 3_600_000, ...options.maxWaitMs };
    this.pause = options.pause ?? { defaultMs: 3_000, maxMs: 60_000 };
    this.timing = options.timing ?? defaultWaitTiming;
    for (const provider of Object.keys(config.providers)) {
      this.providers.set(provider, { inFlight: 0, models: new Map() });
      this.channels.set(releaseChannel(prefix, provider), provider);
    }
    this.subscriber.on('message', (channel: string) => {
      const provider = this.channels.get(channel);
      if (provider) this.wakeProvider(provider);
    });
    // Without the subscription, waiters still poll: slower hand-offs between processes, nothing wrong.
    if (this.channels.size > 0) {
      this.subscriber.subscribe(...this.channels.keys()).catch((error: unknown) => {
        if (!this.closed) options.logger.warn({ err: error }, 'provider limits: cannot subscribe to release announcements; waiters will poll');
      });
    }
  }

  /** The limiter for one call (the `LimitProvider` seam). */
  limit(request: ProviderCallRequest): Limiter {
    const limits = this.modelLimits(request.provider, request.model);
    if (!limits) return (task) => task();
    return (task) => this.run(limits, request, task);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    for (const [provider, state] of this.providers) {
      const error = new ProviderError({ provider, code: 'worker_closing', message: 'the worker closed while the call waited for its limits', retryable: true });
      for (const { queue } of state.models.values()) queue.close(error);
    }
    await Promise.allSettled([...this.pending]);
    await Promise.allSettled([this.subscriber.quit(), this.commands.quit()]);
  }

  private modelLimits(provider: string, model: string): ModelLimits | undefined {
    const state = this.providers.get(provider);
    if (!state) return undefined;
    let limits = state.models.get(model);
    if (limits) return limits;
    const plan = planProviderLimits({ config: this.options.config, prefix: this.options.prefix, provider, model, routeLimits: this.routeLimits });
    if (!plan) return undefined;
    const queue = new LimitQueue({
      attempt: (trafficClass, tokens) => this.attempt(plan, trafficClass, tokens),
      giveBack: (trafficClass, holder, tokens) => this.release(plan, trafficClass, holder, tokens, tokens),
      localRoom: () => plan.localConcurrency - state.inFlight,
      timing: this.timing,
      timeoutError: (trafficClass, waitedMs, reason) =>
        new ProviderError({
          provider,
          status: 429,
          code: 'rate_limit_wait_timeout',
          message: `the gateway waited ${waitedMs} ms for ${reason} (${trafficClass} call); the provider stays over its limit`,
          retryable: true,
        }),
    });
    limits = { plan, queue };
    state.models.set(model, limits);
    return limits;
  }

  private async run<T extends { usage?: TokenUsage }>(limits: ModelLimits, request: ProviderCallRequest, task: () => Promise<T>): Promise<T> {
    const { plan, queue } = limits;
    const countsTokens = plan.sets[request.trafficClass].constraints.some((constraint) => constraint.kind === 'tokens');
    const estimated = typeof request.estimatedTokens === 'function' ? (countsTokens ? request.estimatedTokens() : 0) : request.estimatedTokens;
    const tokens = Math.max(0, Math.ceil(estimated));
    let holder: string;
    try {
      holder = await queue.acquire(request.trafficClass, tokens, this.maxWaitMs[request.trafficClass]);
    } catch (error) {
      if (ProviderError.is(error)) throw error;
      // Redis failed under the limiter: worth another try, unlike an unexpected error in the call.
      throw new ProviderError({ provider: plan.provider, code: 'limits_unavailable', message: `provider limits unavailable: ${String(error)}`, retryable: true, cause: error });
    }
    let actualTokens = tokens;
    try {
      const result = await task();
      if (result.usage) actualTokens = result.usage.promptTokens + result.usage.completionTokens;
      return result;
    } catch (error) {
      if (ProviderError.is(error) && error.status === 429) this.pauseProvider(plan, error.retryAfterMs);
      throw error;
    } finally {
      this.release(plan, request.trafficClass, holder, tokens, actualTokens);
    }
  }

  /**
   * Joins the attempts of this event-loop turn on the same limit set: one script call admits them in
   * order (as many single attempts one after the other would), after the settles of the turn, which go
   * first on the same connection so Redis frees their slots before it.
   */
  private attempt(plan: ProviderLimitPlan, trafficClass: TrafficClass, tokens: number): Promise<LimitAttempt> {
    const set = plan.sets[trafficClass];
    const holder = `${this.holderPrefix}:${(this.holderCount += 1).toString(36)}`;
    return new Promise<LimitAttempt>((resolve, reject) => {
      const pending = this.attempts.get(set) ?? { plan, calls: [] };
      pending.calls.push({ holder, tokens, resolve, reject });
      this.attempts.set(set, pending);
      this.scheduleFlush();
    });
  }

  /**
   * Settles in the background (the caller has its answer): the calls of one set ended in the same
   * event-loop turn go in one script call, sent before any attempt. A failed settle ends with the lease.
   */
  private release(plan: ProviderLimitPlan, trafficClass: TrafficClass, holder: string, reservedTokens: number, actualTokens: number): void {
    const state = this.providers.get(plan.provider);
    if (state) state.inFlight -= 1;
    const set = plan.sets[trafficClass];
    const pending = this.settles.get(set) ?? { provider: plan.provider, calls: [] };
    pending.calls.push({ holder, reservedTokens, actualTokens });
    this.settles.set(set, pending);
    this.scheduleFlush();
    this.wakeProvider(plan.provider);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const settles = this.settles;
    const attempts = this.attempts;
    if (settles.size > 0) this.settles = new Map();
    if (attempts.size > 0) this.attempts = new Map();
    for (const [set, { provider, calls }] of settles) {
      this.track(
        settleLimits(this.commands, set, calls).catch((error: unknown) => {
          this.options.logger.warn({ err: error, provider, calls: calls.length }, 'provider limits: settle failed; the slots free when their leases end');
        }),
      );
    }
    for (const [set, { plan, calls }] of attempts) this.sendAttempts(plan, set, calls);
  }

  /**
   * Sends the attempts in script calls of at most `maxCallsPerAcquire`, one after the other: the next
   * only once every call of the previous was admitted, so none overtakes a refused one.
   */
  private sendAttempts(plan: ProviderLimitPlan, set: LimitSet, calls: PendingAttempt[]): void {
    const batch = calls.slice(0, maxCallsPerAcquire);
    const rest = calls.slice(maxCallsPerAcquire);
    const sent = acquireLimitsInOrder(this.commands, set, batch).then(
      ({ acquired, refusal }) => {
        const state = this.providers.get(plan.provider);
        if (state) state.inFlight += acquired;
        const refused: LimitAttempt = { acquired: false, waitMs: refusal?.waitMs ?? -1, reason: describeConstraint(this.options.prefix, refusal?.constraint) };
        batch.forEach((call, index) => call.resolve(index < acquired ? { acquired: true, holder: call.holder } : refused));
        if (rest.length === 0) return;
        if (refusal) for (const call of rest) call.resolve(refused);
        else this.sendAttempts(plan, set, rest);
      },
      (error: unknown) => {
        for (const call of calls) call.reject(error);
      },
    );
    this.track(sent);
  }

  private pauseProvider(plan: ProviderLimitPlan, retryAfterMs: number | undefined): void {
    const ms = Math.min(Math.max(retryAfterMs ?? this.pause.defaultMs, 0), this.pause.maxMs);
    if (ms <= 0) return;
    this.options.logger.warn({ provider: plan.provider, pauseMs: ms, retryAfterMs }, 'provider answered 429: pausing it in every worker process');
    this.track(
      pauseLimits(this.commands, plan.pauseKey, ms).catch((error: unknown) => {
        this.options.logger.warn({ err: error, provider: plan.provider }, 'provider limits: cannot record the 429 pause');
      }),
    );
  }

  private wakeProvider(provider: string): void {
    for (const { queue } of this.providers.get(provider)?.models.values() ?? []) queue.onRelease();
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}
