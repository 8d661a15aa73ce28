import { describe, expect, it } from 'vitest';
import { loadEnvironment } from './env.ts';
import { cacheRedisTargetOf, describeRedisTarget, parseNodeList, redisTargetOf, urlLogin } from './redis-target.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';

describe('Redis targets from the environment', () => {
  it('reads node lists: hosts, IPv6 in brackets, default ports, spaces and empty items', () => {
    expect(parseNodeList(' 10.0.0.1:7000, [::1]:7001,redis-0.redis.svc ,', 6379)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: 'redis-0.redis.svc', port: 6379 },
    ]);
    expect(parseNodeList('sentinel-a', 26379)).toEqual([{ host: 'sentinel-a', port: 26379 }]);
    for (const bad of ['', ' , ', 'host:port', 'host:70000', 'redis://host:6379', 'a b:1']) expect(() => parseNodeList(bad, 6379)).toThrow();
  });

  it('is one server unless REDIS_CLUSTER_NODES or REDIS_SENTINELS is set; the URL gives the login either way', () => {
    const base = { REDIS_URL: 'rediss://gateway:s%40cret@cache.internal:6380/2' };
    expect(redisTargetOf(base)).toEqual({ topology: 'standalone', variable: 'REDIS_URL', url: base.REDIS_URL, nodes: [] });
    const cluster = redisTargetOf({ ...base, REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' });
    expect(cluster).toMatchObject({
      topology: 'cluster',
      variable: 'REDIS_CLUSTER_NODES',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
    });
    expect(describeRedisTarget(cluster)).toBe('n1:7000,n2:7001');
    const sentinel = redisTargetOf({ ...base, REDIS_SENTINELS: 's1,s2:26380', REDIS_SENTINEL_MASTER: 'primary', REDIS_SENTINEL_PASSWORD: 'x' });
    expect(sentinel).toMatchObject({ topology: 'sentinel', variable: 'REDIS_SENTINELS', sentinelMaster: 'primary', sentinelPassword: 'x' });
    expect(describeRedisTarget(sentinel)).toBe('s1:26379,s2:26380 master primary');
    expect(urlLogin(base.REDIS_URL)).toEqual({ username: 'gateway', password: 's@cret', tls: {}, db: 2 });
    expect(urlLogin('redis://:only-password@x')).toEqual({ password: 'only-password' });
    // Never a password in what logs name a target.
    expect(describeRedisTarget(redisTargetOf(base))).toBe('cache.internal:6380');
  });

  it('gives the cache its own server with CACHE_REDIS_URL, else the gateway’s Redis (cluster included)', () => {
    const cluster = { REDIS_URL: 'redis://x', REDIS_CLUSTER_NODES: 'n1:7000' };
    expect(cacheRedisTargetOf(cluster).topology).toBe('cluster');
    expect(cacheRedisTargetOf({ ...cluster, CACHE_REDIS_URL: 'redis://cache:6379' })).toEqual({ topology: 'standalone', variable: 'CACHE_REDIS_URL', url: 'redis://cache:6379', nodes: [] });
  });

  it('refuses a bad node list, both topologies at once, and Sentinels without a master name, naming the variable', () => {
    const errorOf = (source: NodeJS.ProcessEnv) => {
      try {
        loadEnvironment(source);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as Error).message;
      }
      throw new Error('expected loadEnvironment to throw');
    };
    expect(errorOf({ REDIS_CLUSTER_NODES: 'n1:7000,n2:port' })).toMatch(/REDIS_CLUSTER_NODES: must list host:port seed nodes of the Redis Cluster, comma-separated: "n2:port" is not host:port/);
    expect(errorOf({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_SENTINELS: 's1' })).toMatch(/REDIS_SENTINELS: set REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both/);
    expect(errorOf({ REDIS_SENTINELS: 's1' })).toMatch(/REDIS_SENTINEL_MASTER: names the master the Sentinels watch; required with REDIS_SENTINELS/);
    expect(loadEnvironment({ REDIS_CLUSTER_NODES: 'n1:7000' }).REDIS_CLUSTER_NODES).toBe('n1:7000');
  });
});
