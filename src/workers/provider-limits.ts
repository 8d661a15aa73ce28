import pLimit from 'p-limit';
import type { GatewayConfig } from '../config/gateway-config.ts';

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * One limiter per provider for the whole process: sync jobs and batch lines draw from the same
 * `concurrency`, so a batch can never push a provider past its limit. (Limits across processes are
 * kept in Redis by the routing issue.)
 */
export function createProviderLimits(config: GatewayConfig): (provider: string) => Limiter {
  const limits = new Map(Object.entries(config.providers).map(([name, provider]) => [name, pLimit(provider.concurrency)]));
  const unlimited: Limiter = (task) => task();
  return (provider) => limits.get(provider) ?? unlimited;
}
