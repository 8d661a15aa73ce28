import type { RedisTarget } from '../config/redis-target.ts';
import type pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import { openRedis } from '../redis/redis-connections.ts';
import { DeploymentRegistration, readDeploymentIdentity } from './deployment-identity.ts';
import { DeploymentConflictError } from '../errors/startup-errors.ts';

export interface DeploymentGuard {
  registration: DeploymentRegistration;
  /**
   * Claims the prefix again each time Redis may have lost its data (the key with it). `onConflict`
   * runs if another deployment took the prefix meanwhile: this process must then stop.
   */
  keepClaimed(watcher: { onLoss(listener: (reason: string) => void | Promise<void>): unknown }, onConflict: (error: DeploymentConflictError) => void): void;
  close(): Promise<void>;
}

/**
 * Refuses to start a process whose database differs from the deployment that registered its Redis
 * prefix (see {@link DeploymentRegistration}); run before anything writes under the prefix.
 */
export async function guardDeployment(options: { pool: pg.Pool; redis: RedisTarget; prefix: string; logger: Logger }): Promise<DeploymentGuard> {
  const logger = options.logger.child({ component: 'deployment' });
  const redis = openRedis(options.redis, { maxRetriesPerRequest: 2, connectionName: `${options.prefix}-deployment` }, logger);
  const close = async () => {
    await redis.quit().catch(() => redis.disconnect());
  };
  try {
    const identity = await readDeploymentIdentity(options.pool);
    const registration = new DeploymentRegistration({ redis, prefix: options.prefix, identity, logger });
    await registration.claim();
    return {
      registration,
      keepClaimed(watcher, onConflict) {
        watcher.onLoss(async () => {
          try {
            await registration.claim();
          } catch (error) {
            if (error instanceof DeploymentConflictError) onConflict(error);
            else logger.warn({ err: error, redisKey: registration.key }, 'could not register this deployment again after the Redis loss; retried at the next one');
          }
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
