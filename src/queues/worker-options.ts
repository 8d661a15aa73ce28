import type { WorkerOptions } from 'bullmq';
import type { GatewayConfig } from '../config/gateway-config.ts';

/**
 * Lock settings of every BullMQ worker of the gateway (`durability.jobLockMs`): an active job's lock is
 * renewed every half of it; a job whose process died is found stalled and moved back to its queue by
 * the next stalled-job check after its lock lapsed, so within about one and a half locks.
 */
export function workerLockOptions(config: Pick<GatewayConfig, 'durability'>): Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'> {
  const lockMs = config.durability.jobLockMs;
  return { lockDuration: lockMs, stalledInterval: Math.max(500, Math.round(lockMs / 2)) };
}
