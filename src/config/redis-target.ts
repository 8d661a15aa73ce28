import type { RedisOptions } from 'ioredis';
import type { Environment } from './env.ts';
import { connectionAddress } from './dependency-target.ts';

/** How the gateway reaches its Redis: one server, a Redis Cluster, or a primary found through Sentinel. */
export type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** The environment variable a Redis connection is named by in logs and start-up errors. */
export type RedisVariable = 'REDIS_URL' | 'CACHE_REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_SENTINELS';

/**
 * Where one Redis is, and how to log in. In cluster and Sentinel mode the URL still gives the user,
 * password, TLS (`rediss://`) and, for Sentinel, the database: they apply to every node.
 */
export interface RedisTarget {
  topology: RedisTopology;
  variable: RedisVariable;
  /** Credentials and TLS (and the address itself when standalone): for connecting only, never for logs. */
  url: string;
  /** Cluster seed nodes, or the Sentinels; empty when standalone. */
  nodes: RedisNodeAddress[];
  /** The Sentinel master name (`REDIS_SENTINEL_MASTER`). */
  sentinelMaster?: string | undefined;
  /** The Sentinels' own password (`REDIS_SENTINEL_PASSWORD`), when they ask for one. */
  sentinelPassword?: string | undefined;
}

/**
 * `host:port` items separated by commas (`10.0.0.1:7000,[::1]:7001,redis-0.redis:6379`); the port
 * defaults to 6379 for a cluster and 26379 for Sentinels. Throws a sentence naming the bad item.
 */
export function parseNodeList(text: string, defaultPort: number): RedisNodeAddress[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new Error('lists no host:port');
  return items.map((item) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+))(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || port < 1 || port > 65535) throw new Error(`"${item}" is not host:port`);
    return { host: match[1] ?? match[2] ?? '', port };
  });
}

/** The gateway's Redis (queues, limits, breakers), from REDIS_URL and, for a cluster or Sentinel, their node lists. */
export function redisTargetOf(environment: Pick<Environment, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_MASTER' | 'REDIS_SENTINEL_PASSWORD'>): RedisTarget {
  const url = environment.REDIS_URL;
  if (environment.REDIS_CLUSTER_NODES !== undefined) {
    return { topology: 'cluster', variable: 'REDIS_CLUSTER_NODES', url, nodes: parseNodeList(environment.REDIS_CLUSTER_NODES, 6379) };
  }
  if (environment.REDIS_SENTINELS !== undefined) {
    return {
      topology: 'sentinel',
      variable: 'REDIS_SENTINELS',
      url,
      nodes: parseNodeList(environment.REDIS_SENTINELS, 26379),
      sentinelMaster: environment.REDIS_SENTINEL_MASTER,
      sentinelPassword: environment.REDIS_SENTINEL_PASSWORD,
    };
  }
  return { topology: 'standalone', variable: 'REDIS_URL', url, nodes: [] };
}

/** The response cache's Redis: CACHE_REDIS_URL (one server) when set, else the gateway's own. */
export function cacheRedisTargetOf(environment: Parameters<typeof redisTargetOf>[0] & Pick<Environment, 'CACHE_REDIS_URL'>): RedisTarget {
  const cacheUrl = environment.CACHE_REDIS_URL;
  if (cacheUrl === undefined || cacheUrl === environment.REDIS_URL) return redisTargetOf(environment);
  return { topology: 'standalone', variable: 'CACHE_REDIS_URL', url: cacheUrl, nodes: [] };
}

export function formatNode(node: RedisNodeAddress): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

/** What logs name a target by: `host:port`, or the list of seeds or Sentinels (never credentials). */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.topology === 'standalone') return connectionAddress(target.url, 'redis');
  const nodes = target.nodes.map(formatNode).join(',');
  return target.topology === 'sentinel' ? `${nodes} master ${target.sentinelMaster ?? '?'}` : nodes;
}

/**
 * The login a URL carries, for every node of a cluster or Sentinel set: user and password (ACL), TLS
 * for `rediss://`, and the database number (ignored by a cluster, which has only database 0).
 */
export function urlLogin(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> {
  const parsed = new URL(url);
  const login: Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> = {};
  if (parsed.username !== '') login.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') login.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') login.tls = {};
  const db = parsed.pathname.replace(/^\//, '');
  if (/^\d+$/.test(db)) login.db = Number(db);
  return login;
}
