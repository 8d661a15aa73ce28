import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import './ioredis-disconnect-fix.ts';
import type { Logger } from '../logging/logger.ts';
import { connectionErrors, isConnectionError, type ConnectionTarget } from '../logging/connection-error-log.ts';
import { describeRedisTarget, urlLogin, type RedisTarget } from '../config/redis-target.ts';

/** A connection to the gateway's Redis: one server (standalone or through Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Other errors (a failed script, a lost job lock): one line per emitter per this long while they repeat. */
const errorLogIntervalMs = 10_000;

/** The target each of our connections was opened on, so their errors name its variable and address. */
const targets = new WeakMap<RedisClient, RedisTarget>();

/** `REDIS_URL (host:port)` of a connection (or `REDIS_CLUSTER_NODES (seeds)`): never its password. */
function targetOf(redis: RedisClient | undefined): ConnectionTarget {
  const target = redis ? targets.get(redis) : undefined;
  if (target) return { variable: target.variable, address: describeRedisTarget(target), label: 'Redis' };
  const options = redis instanceof Redis ? redis.options : undefined;
  const address = options?.path ?? `${options?.host ?? 'localhost'}:${options?.port ?? 6379}`;
  return { variable: 'REDIS_URL', address, label: 'Redis' };
}

/** The connection behind an emitter: itself, or a BullMQ queue's or worker's (`opts.connection`). */
function connectionOf(emitter: object): RedisClient | undefined {
  if (emitter instanceof Redis || emitter instanceof Cluster) return emitter;
  const connection = (emitter as { opts?: { connection?: unknown } }).opts?.connection;
  return connection instanceof Redis || connection instanceof Cluster ? connection : undefined;
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
    if (isConnectionError(error) || isClusterUnreachable(error)) {
      connectionErrors.failed(targetOf(connection), name, error, logger);
      return;
    }
    const now = Date.now();
    if (now - lastLoggedAt < errorLogIntervalMs) return;
    lastLoggedAt = now;
    const target = targetOf(connection);
    logger.warn({ err: error, connection: name, variable: target.variable, address: target.address }, 'Redis error (more of the same from this connection are not logged for 10 s)');
  });
  if (emitter instanceof Redis || emitter instanceof Cluster) {
    emitter.on('ready', () => connectionErrors.recovered(targetOf(emitter), logger));
  }
  if (emitter instanceof Cluster) {
    // A node's own failure (the cluster as a whole may still answer): named by its address.
    emitter.on('node error', (error: Error, address: string) => {
      if (isConnectionError(error)) connectionErrors.failed({ variable: 'REDIS_CLUSTER_NODES', address, label: 'Redis Cluster node' }, name, error, logger);
    });
  }
}

/** ioredis's "Failed to refresh slots cache." and "None of startup nodes is available": no node answered. */
function isClusterUnreachable(error: Error): boolean {
  return error.name === 'ClusterAllFailedError' || /None of startup nodes is available|Failed to refresh slots cache/.test(error.message);
}

/** Options of a connection: ioredis's, its name (seen in CLIENT LIST) and auto-pipelining. */
export type RedisConnectionOptions = RedisOptions & { connectionName: string };

/**
 * The client for a target: a `Redis` on one server or on the master Sentinel names, a `Cluster` on a
 * Redis Cluster. In cluster mode the URL's login (user, password, TLS) applies to every node; node
 * host names are connected to as given, so a TLS certificate issued for them verifies.
 */
export function connectRedis(target: RedisTarget, options: RedisConnectionOptions): RedisClient {
  switch (target.topology) {
    case 'standalone':
      return new Redis(target.url, options);
    case 'sentinel':
      return new Redis({
        ...urlLogin(target.url),
        ...options,
        sentinels: target.nodes,
        name: target.sentinelMaster ?? 'mymaster',
        // A failover is followed at once (the Sentinels' +switch-master), and a write refused by a
        // demoted master (READONLY) reconnects to the new one and is sent again.
        failoverDetector: true,
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
        ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
        ...(target.url.startsWith('rediss:') ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      });
    case 'cluster':
      return new Cluster(target.nodes, clusterOptions(target, options));
  }
}

/** How often every cluster connection re-reads the slot map (one `CLUSTER SLOTS`). */
export const clusterSlotsRefreshMs = 5_000;

function clusterOptions(target: RedisTarget, options: RedisConnectionOptions): ClusterOptions {
  // Auto-pipelining is left off: a pipeline holding a write is not redirected when a failover moved
  // its slot (MOVED), while a command sent on its own is followed to the new master and sent again.
  const { enableAutoPipelining: _autoPipelining, lazyConnect, enableOfflineQueue, retryStrategy, host: _host, port: _port, path: _path, ...nodeOptions } = options;
  const retry = retryStrategy ?? undefined;
  return {
    redisOptions: { ...urlLogin(target.url), ...nodeOptions },
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(retry === undefined ? {} : { clusterRetryStrategy: (times: number) => retry(times) }),
    // Connect to the names the cluster announces as they are (not to their resolved addresses): TLS
    // verifies the certificate against the name, as managed clusters need.
    dnsLookup: (address, callback) => callback(null, address),
    // Re-read the slot map now and then: a command redirected (MOVED) updates it, but a pipeline
    // holding a write is not resent after a failover and leaves it stale until the next refresh.
    slotsRefreshInterval: clusterSlotsRefreshMs,
  };
}

/**
 * A connection named `<prefix>-<name>` (seen in CLIENT LIST), its errors reported as above. The
 * target names the variable its errors are logged under.
 */
export function openRedis(target: RedisTarget, options: RedisConnectionOptions, logger: Logger): RedisClient {
  const redis = connectRedis(target, options);
  targets.set(redis, target);
  reportErrors(redis, options.connectionName, logger);
  return redis;
}

/** A duplicate of a connection (same target and options), its errors reported too. */
export function duplicateRedis(redis: RedisClient, name: string, logger: Logger, overrides: Partial<RedisOptions> = {}): RedisClient {
  const copy = redis instanceof Cluster ? duplicateCluster(redis, { ...overrides, connectionName: name }) : redis.duplicate({ ...overrides, connectionName: name });
  const target = targets.get(redis);
  if (target) targets.set(copy, target);
  reportErrors(copy, name, logger);
  return copy;
}

function duplicateCluster(cluster: Cluster, overrides: Partial<RedisOptions>): Cluster {
  const { enableAutoPipelining: _autoPipelining, ...nodeOverrides } = overrides;
  return cluster.duplicate(undefined, { redisOptions: { ...cluster.options.redisOptions, ...nodeOverrides } });
}
