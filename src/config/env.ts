import { z } from 'zod';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { parseNodeList } from './redis-target.ts';

/** A comma-separated `host:port` list, checked as the connection will read it. */
function nodeList(what: string) {
  return z.string().superRefine((text, context) => {
    try {
      parseNodeList(text, 6379);
    } catch (error) {
      context.addIssue({ code: 'custom', message: `must list ${what}, comma-separated: ${error instanceof Error ? error.message : String(error)}` });
    }
  });
}

/** Process environment, validated once at start. Every variable has a default that works on a dev machine. */
export const environmentSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/test'),
    /** Connections per process; mind Postgres's max_connections when scaling processes. */
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(20),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    /**
     * The response cache's Redis; defaults to REDIS_URL. Give the cache a Redis of its own (with
     * `maxmemory` and `allkeys-lru`) when it should be bounded: BullMQ's Redis must stay `noeviction`.
     */
    CACHE_REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /**
     * A Redis Cluster: comma-separated `host:port` seed nodes (the rest are discovered). REDIS_URL still
     * gives the user, password and TLS (`rediss://`) every node is reached with; its host is not used.
     */
    REDIS_CLUSTER_NODES: nodeList('host:port seed nodes of the Redis Cluster').optional(),
    /**
     * Redis behind Sentinel: comma-separated `host:port` Sentinels (port 26379 by default), with
     * REDIS_SENTINEL_MASTER naming the master. REDIS_URL gives the master's user, password, TLS and
     * database; REDIS_SENTINEL_PASSWORD the Sentinels' own password, if they ask for one.
     */
    REDIS_SENTINELS: nodeList('host:port Sentinels').optional(),
    REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    /** Namespace of every Redis key the gateway writes (BullMQ queues included). */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .default('gw'),
    GATEWAY_CONFIG: z.string().min(1).optional(),
    GATEWAY_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    GATEWAY_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * Serve `GET /metrics` (Prometheus), `/healthz` and `/readyz` on HOST:METRICS_PORT too, without
     * authentication, in any role: how worker-role processes (which have no HTTP API) are scraped and
     * probed. Keep this port internal. Unset:
     * no such server; the API's own `GET /metrics` (admin key) is always there in the api and all roles.
     */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  })
  .superRefine((environment, context) => {
    if (environment.REDIS_CLUSTER_NODES !== undefined && environment.REDIS_SENTINELS !== undefined) {
      context.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'set REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both' });
    }
    if (environment.REDIS_SENTINELS !== undefined && environment.REDIS_SENTINEL_MASTER === undefined) {
      context.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_MASTER'], message: 'names the master the Sentinels watch; required with REDIS_SENTINELS' });
    }
  });

export type Environment = z.infer<typeof environmentSchema>;

/** Formats zod issues as `path: message` lines, the way operators read them. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      // A bad record key carries its reason in nested issues ("Invalid key in record" alone says nothing).
      const message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
      return `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${message}`;
    })
    .join('\n');
}

export function loadEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  // Empty strings mean "unset" (docker-compose writes `FOO=` for absent values).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigurationError(`Invalid environment:\n${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
