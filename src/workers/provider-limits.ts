import pLimit from 'p-limit';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';

/** Sync and async calls are `interactive` and go ahead of `batch` lines on the same provider. */
export type TrafficClass = 'interactive' | 'batch';

/** What a call asks of a provider's limits before it is made. */
export interface ProviderCallRequest {
  provider: string;
  /** The upstream model (limits may be set per route/model). */
  model: string;
  /** Input tokens estimated before the call (for TPM), reconciled with the reported usage after. */
  estimatedTokens: number;
  trafficClass: TrafficClass;
}

/** Runs one provider call inside the provider's limits; the task's `usage` reconciles TPM. */
export type Limiter = <T extends { usage?: TokenUsage }>(task: () => Promise<T>) => Promise<T>;

export type LimitProvider = (request: ProviderCallRequest) => Limiter;

/**
 * In-process limits: one p-limit per provider, shared by sync jobs and batch lines, so a batch can
 * never push a provider past `concurrency` in this process.
 */
export function createProviderLimits(config: GatewayConfig): LimitProvider {
  const limits = new Map(Object.entries(config.providers).map(([name, provider]) => [name, pLimit(provider.concurrency)]));
  const unlimited: Limiter = (task) => task();
  return (request) => limits.get(request.provider) ?? unlimited;
}
