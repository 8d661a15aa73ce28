import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.ts';
import { unavailableDependency } from '../errors/outage-errors.ts';

/**
 * Runs `operation`, and while it fails because Postgres or Redis is unreachable (a restart, a
 * failover), runs it again with a growing pause, for up to `maxWaitMs`: a worker holding results in
 * memory waits the outage out instead of failing its job and calling the provider again. Only for
 * idempotent operations (the writers' statements are). Any other error, or the outage outlasting the
 * wait, is thrown.
 */
export interface OutageWait {
  maxWaitMs: number;
  logger: Logger;
  /** What is waiting, for the log. */
  what: string;
}

export async function waitOutOutage<Result>(operation: () => Promise<Result>, options: OutageWait): Promise<Result> {
  const startedAt = Date.now();
  let pauseMs = 100;
  let waited = false;
  for (;;) {
    try {
      const result = await operation();
      if (waited) options.logger.info({ what: options.what, waitedMs: Date.now() - startedAt }, 'backing service is back; carried on');
      return result;
    } catch (error) {
      const dependency = unavailableDependency(error);
      if (!dependency || Date.now() - startedAt + pauseMs > options.maxWaitMs) throw error;
      if (!waited) options.logger.warn({ err: error, what: options.what, dependency }, 'backing service unavailable; waiting for it');
      waited = true;
      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, 2000);
    }
  }
}
