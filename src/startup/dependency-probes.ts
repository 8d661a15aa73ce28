import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import type { DependencyTarget } from '../config/dependency-target.ts';
import { formatNode, urlLogin, type RedisTarget } from '../config/redis-target.ts';

/** One attempt may take this long (a black-holed address never refuses, it just says nothing). */
export const probeTimeoutMs = 3_000;

const probeOptions = { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: probeTimeoutMs, connectionName: 'llm-gateway-startup-probe' } satisfies RedisOptions;

/**
 * One connection attempt and a command on a throwaway connection that does not retry by itself.
 * Throws the client's own error (ECONNREFUSED, WRONGPASS, NOAUTH, a TLS certificate refused), not
 * ioredis's "Connection is closed." that follows it.
 */
async function withProbeConnection<T>(redis: Redis, run: (redis: Redis) => Promise<T>): Promise<T> {
  let firstError: Error | undefined;
  redis.on('error', (error: Error) => {
    firstError ??= error;
  });
  try {
    await redis.connect();
    return await run(redis);
  } catch (error) {
    throw firstError ?? error;
  } finally {
    redis.disconnect();
  }
}

/** A PING to one server, or to the master the Sentinels name. */
export async function probeRedis(target: RedisTarget | string): Promise<void | readonly string[]> {
  const redisTarget: RedisTarget = typeof target === 'string' ? { topology: 'standalone', variable: 'REDIS_URL', url: target, nodes: [] } : target;
  switch (redisTarget.topology) {
    case 'standalone':
      await withProbeConnection(new Redis(redisTarget.url, probeOptions), (redis) => redis.ping());
      return;
    case 'sentinel':
      await withProbeConnection(
        new Redis({
          ...urlLogin(redisTarget.url),
          ...probeOptions,
          sentinels: redisTarget.nodes,
          name: redisTarget.sentinelMaster ?? 'mymaster',
          sentinelRetryStrategy: () => null,
          ...(redisTarget.sentinelPassword === undefined ? {} : { sentinelPassword: redisTarget.sentinelPassword }),
          ...(redisTarget.url.startsWith('rediss:') ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
        }),
        (redis) => redis.ping(),
      );
      return;
    case 'cluster':
      return probeCluster(redisTarget);
  }
}

/** Raised when the cluster answers but cannot serve every slot: `describeFailure` reads its code. */
class ClusterDownError extends Error {
  readonly code = 'CLUSTERDOWN';
}

/**
 * Asks every seed node for `CLUSTER INFO`. Ready when one answers `cluster_state:ok`; the seeds that
 * did not answer are returned as notes. Otherwise throws: the failing nodes by address (from `CLUSTER
 * NODES` of a seed that answers), or the seeds' own errors when none answers.
 */
async function probeCluster(target: RedisTarget): Promise<readonly string[]> {
  const login = urlLogin(target.url);
  const answers = await Promise.allSettled(
    target.nodes.map((node) =>
      withProbeConnection(new Redis({ ...login, ...probeOptions, host: node.host, port: node.port, db: 0 }), async (redis) => {
        const info = String(await redis.call('CLUSTER', 'INFO'));
        const state = /^cluster_state:(\w+)/m.exec(info)?.[1] ?? 'unknown';
        return { state, nodes: state === 'ok' ? '' : String(await redis.call('CLUSTER', 'NODES')) };
      }),
    ),
  );
  const down = target.nodes.flatMap((node, index) => {
    const answer = answers[index];
    return answer?.status === 'rejected' ? [{ node, error: answer.reason instanceof Error ? answer.reason : new Error(String(answer.reason)) }] : [];
  });
  const downNotes = down.map(({ node, error }) => `seed node ${formatNode(node)} does not answer (${error.message})`);
  const states = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
  if (states.some((answer) => answer.state === 'ok')) return downNotes;
  const first = down[0];
  if (states.length === 0 && first) {
    // No seed answers: the first one's own error (its code tells unreachable from a refused login).
    const error = first.error;
    error.message = down.map(({ node, error: nodeError }) => `${formatNode(node)}: ${nodeError.message}`).join('; ');
    throw error;
  }
  const failing = failingNodes(states[0]?.nodes ?? '');
  throw new ClusterDownError(
    `cluster_state is ${states[0]?.state ?? 'unknown'}${failing.length > 0 ? `: failing node${failing.length > 1 ? 's' : ''} ${failing.join(', ')}` : ''}${downNotes.length > 0 ? `; ${downNotes.join('; ')}` : ''}`,
  );
}

/** `CLUSTER NODES` lines flagged `fail` or `fail?`, as `host:port (master|replica)`. */
export function failingNodes(clusterNodes: string): string[] {
  return clusterNodes.split('\n').flatMap((line) => {
    const [, address = '', flags = ''] = line.split(' ');
    const flagList = flags.split(',');
    if (!flagList.includes('fail') && !flagList.includes('fail?')) return [];
    const hostPort = address.split('@')[0] ?? address;
    return [`${hostPort} (${flagList.includes('master') ? 'master' : 'replica'})`];
  });
}

/** One connection to Postgres and a `SELECT 1`. */
export async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: probeTimeoutMs, application_name: 'llm-gateway-startup-probe' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function probeDependency(target: DependencyTarget): Promise<void | readonly string[]> {
  return target.name === 'postgres' ? probePostgres(target.url) : probeRedis(target.redis ?? target.url);
}
