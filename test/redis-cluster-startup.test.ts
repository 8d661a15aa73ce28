import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/processes.ts';
import { OwnRedisCluster } from './support/own-redis-cluster.ts';
import { parseLogLines, startStartingGateway, type StartingGateway } from './support/starting-gateway.ts';
import { makeTestCertificates } from './support/test-certificates.ts';
import { postJson, testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './support/test-services.ts';

/**
 * Starting on a Redis Cluster that is not all there: a gateway process waits (readiness 503) naming
 * the node to look at, and serves once the cluster does; a TLS certificate Node does not trust is a
 * clear error, not a hang. Each cluster here has three masters and no replicas.
 */
const config = { providers: { mock: { type: 'mock', latencyMs: 0 } }, models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } } };
const user = { name: 'gateway', password: 'startup-secret' };

describe('starting on a Redis Cluster', () => {
  let directory: string;
  let database: TestDatabase;
  const started: StartingGateway[] = [];
  const clusters: OwnRedisCluster[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cluster-startup-'));
    database = await createTestDatabase('clusterstart');
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((gateway) => gateway.stop()));
    await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
  });
  afterAll(async () => {
    await database?.drop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const start = async (name: string, environment: Record<string, string>) => {
    const gateway = await startStartingGateway({ name, config, directory, databaseUrl: database.url, redisUrl: environment['REDIS_URL'] ?? '', prefix: uniqueName(name), environment });
    started.push(gateway);
    return gateway;
  };
  const logged = (gateway: StartingGateway, message: RegExp) => parseLogLines(gateway.lines).filter((line) => message.test(String(line['msg'])));
  /** A key of its own, then a sync call through the cluster: 200 when the gateway serves. */
  const chat = async (gateway: StartingGateway) => {
    const created = await postJson(`${gateway.url}/admin/keys`, { name: uniqueName('key'), project: 'cluster-startup' }, testAdminKey);
    expect(created.status).toBe(201);
    return postJson(`${gateway.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'cluster is back' }] }, created.body.key);
  };

  it('a master down with no replica: waits, naming the failing node, readiness 503; serves once the node is back', async () => {
    const cluster = await OwnRedisCluster.start({ masters: 3, replicas: 0, user });
    clusters.push(cluster);
    const down = cluster.ports[1] ?? 0;
    await cluster.stopNode(down);
    await expect.poll(async () => (await cluster.topology()).some((node) => node.port === down && node.failing), { timeout: 15_000 }).toBe(true);

    const gateway = await start('cluster-down', { REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds });
    await gateway.waitForHealthz();
    await expect.poll(() => logged(gateway, /^waiting for the Redis Cluster at REDIS_CLUSTER_NODES/).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const [waiting] = logged(gateway, /^waiting for the Redis Cluster/);
    expect(waiting).toMatchObject({ reason: 'cluster-down', variable: 'REDIS_CLUSTER_NODES', address: cluster.seeds });
    expect(String(waiting?.['detail'])).toContain(`127.0.0.1:${down} (master)`);
    expect(String(waiting?.['msg'])).toContain('cannot serve every slot');
    expect(JSON.stringify(gateway.lines)).not.toContain(user.password);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);

    await cluster.startNode(down);
    await gateway.child.waitForLine(/gateway listening/, 60_000);
    expect((await chat(gateway)).status).toBe(200);
  });

  it('a seed node that does not answer while the cluster serves: one warning naming it, and the gateway starts', async () => {
    const cluster = await OwnRedisCluster.start({ masters: 3, replicas: 0, user });
    clusters.push(cluster);
    const closed = await freePort();
    const gateway = await start('seed-down', { REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: `127.0.0.1:${closed},${cluster.seeds}` });
    await gateway.child.waitForLine(/gateway listening/, 60_000);
    const warnings = logged(gateway, /answers, but seed node/);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.['msg'])).toContain(`seed node 127.0.0.1:${closed} does not answer`);
    expect((await chat(gateway)).status).toBe(200);
  });

  it('TLS on every node: a certificate Node does not trust is a clear error naming TLS; with its CA in NODE_EXTRA_CA_CERTS it serves', async () => {
    const certificates = await makeTestCertificates(directory);
    const cluster = await OwnRedisCluster.start({ masters: 3, replicas: 0, user, tls: certificates });
    clusters.push(cluster);
    expect(cluster.url.startsWith('rediss://')).toBe(true);

    const untrusted = await start('tls-untrusted', { REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds });
    await expect.poll(() => logged(untrusted, /^waiting for the Redis Cluster/).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const [refused] = logged(untrusted, /^waiting for the Redis Cluster/);
    expect(refused).toMatchObject({ level: 50, reason: 'tls-failed' });
    expect(String(refused?.['msg'])).toContain('NODE_EXTRA_CA_CERTS');
    expect(String(refused?.['detail'])).toMatch(/certificate/i);
    expect((await fetch(`${untrusted.url}/readyz`)).status).toBe(503);

    const trusted = await start('tls-trusted', { REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds, NODE_EXTRA_CA_CERTS: certificates.caFile });
    await trusted.child.waitForLine(/gateway listening/, 60_000);
    expect((await chat(trusted)).status).toBe(200);
  });
});
