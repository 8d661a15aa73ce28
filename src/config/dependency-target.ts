import type { Environment } from './env.ts';
import { cacheRedisTargetOf, describeRedisTarget, redisTargetOf, type RedisTarget, type RedisVariable } from './redis-target.ts';

export type DependencyName = 'postgres' | 'redis' | 'cache-redis';
export type DependencyVariable = 'DATABASE_URL' | RedisVariable;

/** A service the gateway connects to, as logs and probes name it: never with its credentials. */
export interface DependencyTarget {
  name: DependencyName;
  /** What people call it in a log line ("Postgres", "Redis", "the cache Redis"). */
  label: string;
  /** The environment variable its URL comes from. */
  variable: DependencyVariable;
  /** `host:port` (or a Unix socket path), without user or password. */
  address: string;
  /** The URL itself, credentials included: for connecting only, never for logging. */
  url: string;
  /** A Redis's topology and nodes (one server, a cluster's seeds, Sentinels). */
  redis?: RedisTarget;
  /** Start-up waits for it; an optional one (the response cache's own Redis) is only reported. */
  required: boolean;
}

const defaultPorts = { postgres: 5432, redis: 6379 } as const;
const unparsable = '(address not shown: the URL does not parse)';

/**
 * `host:port` of a `postgres://` or `redis://` URL, without user or password. A Postgres URL may name
 * its host in the query (`?host=/var/run/postgresql`, a Unix socket directory) and leave the
 * authority empty, as libpq allows (which WHATWG `URL` refuses for these schemes), hence a pattern.
 */
export function connectionAddress(url: string, kind: keyof typeof defaultPorts): string {
  // The user info runs to the last `@` of the authority: a password may hold an unencoded `@`.
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?([^/?#@]*)([^?#]*)(?:\?([^#]*))?/i.exec(url);
  // An `@` after the authority (a password with an unencoded `/`) leaves no safe way to tell host from password.
  if (!match || (match[2] ?? '').includes('@') || (match[3] ?? '').includes('@')) return unparsable;
  const authority = match[1] ?? '';
  // `[::1]:7000`, `host:6380`, `host`.
  const bracketed = /^(\[[^\]]*\])(?::(\d*))?$/.exec(authority);
  const colon = authority.lastIndexOf(':');
  const [hostPart, portPart] = bracketed ? [bracketed[1] ?? '', bracketed[2] ?? ''] : colon >= 0 ? [authority.slice(0, colon), authority.slice(colon + 1)] : [authority, ''];
  if (!/^\d*$/.test(portPart)) return unparsable;
  const port = portPart || String(defaultPorts[kind]);
  const queryHost = kind === 'postgres' ? new URLSearchParams(match[3] ?? '').get('host') : null;
  const host = queryHost || safeDecode(hostPart) || 'localhost';
  if (host.startsWith('/')) return `${host}/.s.PGSQL.${port}`;
  return `${host}:${port}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The services named by the environment, in the order start-up reports them. */
export function dependencyTargets(environment: Parameters<typeof cacheRedisTargetOf>[0] & Pick<Environment, 'DATABASE_URL'>): DependencyTarget[] {
  const redis = redisTargetOf(environment);
  const targets: DependencyTarget[] = [
    { name: 'postgres', label: 'Postgres', variable: 'DATABASE_URL', address: connectionAddress(environment.DATABASE_URL, 'postgres'), url: environment.DATABASE_URL, required: true },
    { name: 'redis', label: redisLabels[redis.topology], variable: redis.variable, address: describeRedisTarget(redis), url: redis.url, redis, required: true },
  ];
  const cache = cacheRedisTargetOf(environment);
  if (cache.variable === 'CACHE_REDIS_URL') {
    // The response cache fails open (a miss) when its Redis is away: the gateway works without it.
    targets.push({ name: 'cache-redis', label: 'the cache Redis', variable: 'CACHE_REDIS_URL', address: describeRedisTarget(cache), url: cache.url, redis: cache, required: false });
  }
  return targets;
}

const redisLabels = { standalone: 'Redis', cluster: 'the Redis Cluster', sentinel: 'Redis (through Sentinel)' } as const;
