import type { RedisClient } from '../../redis/redis-connections.ts';
import type { GatewayConfig } from '../../config/gateway-config.ts';
import { GlobalProviderLimiter, type GlobalProviderLimiterOptions } from './global-provider-limiter.ts';
import type { Logger } from '../../logging/logger.ts';
import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';

/** Sync and async calls are `interactive` and go ahead of `batch` lines on the same provider. */
export type TrafficClass = 'interactive' | 'batch';

/** What a call asks of a provider's limits before it is made. */
export interface ProviderCallRequest {
  provider: string;
  /** The upstream model (limits may be set per route/model). */
  model: string;
  /**
   * Input tokens estimated before the call (for TPM), reconciled with the reported usage after; a
   * function is called only when a TPM limit applies (counting costs a tokenizer pass).
   */
  estimatedTokens: number | (() => number);
  trafficClass: TrafficClass;
}

/** Runs one provider call inside the provider's limits; the task's `usage` reconciles TPM. */
export type Limiter = <T extends { usage?: TokenUsage }>(task: () => Promise<T>) => Promise<T>;

export type LimitProvider = (request: ProviderCallRequest) => Limiter;

/** A `LimitProvider` that holds open Redis connections until closed (after the workers that use it). */
export type ClosableLimitProvider = LimitProvider & { close(): Promise<void> };

/**
 * Provider limits shared by every worker process through Redis (README, "Rate limits"): the
 * provider's `concurrency`, `rpm` and `tpm` and its routes' per-model ones, a pause after a 429, and
 * interactive calls ahead of batch lines. Calls over a limit wait for it instead of failing.
 */
export function createProviderLimits(
  options: {
    config: GatewayConfig;
    /** Any connection to the gateway's Redis; the limiter opens its own two from it. */
    redis: RedisClient;
    prefix: string;
    logger: Logger;
  } & Partial<Pick<GlobalProviderLimiterOptions, 'maxWaitMs' | 'pause' | 'timing'>>,
): ClosableLimitProvider {
  const limiter = new GlobalProviderLimiter(options);
  return Object.assign((request: ProviderCallRequest) => limiter.limit(request), { close: () => limiter.close() });
}
