import { Redis, type RedisOptions } from 'ioredis';
import './ioredis-disconnect-fix.ts';
import type { Logger } from '../logging/logger.ts';
import { connectionErrors, isConnectionError, type ConnectionTarget } from '../logging/connection-error-log.ts';

/** Other errors (a failed script, a lost job lock): one line per emitter per this long while they repeat. */
const errorLogIntervalMs = 10_000;

/** The environment variable each of our connections came from, so their errors name it. */
const variables = new WeakMap<Redis, string>();

/** `REDIS_URL (host:port)` of a connection, from its parsed options: never its password. */
function targetOf(redis: Redis | undefined): ConnectionTarget {
  const host = redis?.options.path ?? `${redis?.options.host ?? 'localhost'}:${redis?.options.port ?? 6379}`;
  return { variable: (redis && variables.get(redis)) ?? 'REDIS_URL', address: host, label: 'Redis' };
}

/** The connection behind an emitter: itself, or a BullMQ queue's or worker's (`opts.connection`). */
function connectionOf(emitter: object): Redis | undefined {
  if (emitter instanceof Redis) return emitter;
  const connection = (emitter as { opts?: { connection?: unknown } }).opts?.connection;
  return connection instanceof Redis ? connection : undefined;
}

/**
 * Reports a connection's (or a BullMQ queue's or worker's) errors through the logger. Connection
 * errors (Redis away, a wrong password) go to the process's one outage log: one line naming the
 * variable and `host:port` when an outage begins, one every 30 s while it lasts, one when it ends,
 * whatever the number of connections. Other errors: one line per emitter per 10 s. Without a
 * listener, ioredis and BullMQ print every reconnect failure to the console.
 */
export function reportErrors(emitter: { on(event: 'error', listener: (error: Error) => void): unknown }, name: string, logger: Logger): void {
  let lastLoggedAt = 0;
  const connection = connectionOf(emitter);
  emitter.on('error', (error: Error) => {
    if (isConnectionError(error)) {
      connectionErrors.failed(targetOf(connection), name, error, logger);
      return;
    }
    const now = Date.now();
    if (now - lastLoggedAt < errorLogIntervalMs) return;
    lastLoggedAt = now;
    const target = targetOf(connection);
    logger.warn({ err: error, connection: name, variable: target.variable, address: target.address }, 'Redis error (more of the same from this connection are not logged for 10 s)');
  });
  if (emitter instanceof Redis) {
    emitter.on('ready', () => connectionErrors.recovered(targetOf(emitter), logger));
  }
}

/**
 * An ioredis connection named `<prefix>-<name>` (seen in CLIENT LIST), its errors reported as above.
 * `variable` is the environment variable the URL came from (REDIS_URL unless said otherwise).
 */
export function openRedis(url: string, options: RedisOptions & { connectionName: string; variable?: string }, logger: Logger): Redis {
  const { variable, ...redisOptions } = options;
  const redis = new Redis(url, redisOptions);
  variables.set(redis, variable ?? 'REDIS_URL');
  reportErrors(redis, options.connectionName, logger);
  return redis;
}

/** A duplicate of a connection (same URL and options), its errors reported too. */
export function duplicateRedis(redis: Redis, name: string, logger: Logger, overrides: Partial<RedisOptions> = {}): Redis {
  const copy = redis.duplicate({ ...overrides, connectionName: name });
  const variable = variables.get(redis);
  if (variable) variables.set(copy, variable);
  reportErrors(copy, name, logger);
  return copy;
}
