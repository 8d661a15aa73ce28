import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.ts';

/** One line per connection per this long while Redis stays away, instead of one per reconnect attempt. */
const errorLogIntervalMs = 10_000;

/**
 * Reports a connection's (or a BullMQ queue's or worker's) errors through the logger, at most one line
 * per `errorLogIntervalMs` while they last, and one line when it is back. Without a listener, ioredis
 * and BullMQ print every reconnect failure to the console.
 */
export function reportErrors(emitter: { on(event: 'error', listener: (error: Error) => void): unknown }, name: string, logger: Logger): void {
  let lastLoggedAt = 0;
  let failing = false;
  emitter.on('error', (error: Error) => {
    failing = true;
    const now = Date.now();
    if (now - lastLoggedAt < errorLogIntervalMs) return;
    lastLoggedAt = now;
    logger.warn({ err: error, connection: name }, 'Redis error (retried by its client; more of the same are not logged for 10 s)');
  });
  if (emitter instanceof Redis) {
    emitter.on('ready', () => {
      if (!failing) return;
      failing = false;
      lastLoggedAt = 0;
      logger.info({ connection: name }, 'Redis connection restored');
    });
  }
}

/** An ioredis connection named `<prefix>-<name>` (seen in CLIENT LIST), its errors reported as above. */
export function openRedis(url: string, options: RedisOptions & { connectionName: string }, logger: Logger): Redis {
  const redis = new Redis(url, options);
  reportErrors(redis, options.connectionName, logger);
  return redis;
}

/** A duplicate of a connection (same URL and options), its errors reported too. */
export function duplicateRedis(redis: Redis, name: string, logger: Logger, overrides: Partial<RedisOptions> = {}): Redis {
  const copy = redis.duplicate({ ...overrides, connectionName: name });
  reportErrors(copy, name, logger);
  return copy;
}
