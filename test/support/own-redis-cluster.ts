import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { freePort } from '../../bench/processes.ts';

const run = promisify(execFile);

/** PEM files of a TLS cluster: the servers' certificate and key, and the CA that signed them. */
export interface ClusterTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface OwnRedisClusterOptions {
  masters?: number;
  /** Replicas per master. @defaultValue 1 */
  replicas?: number;
  /** An ACL user (`~* &* +@all`) every client and replica logs in as. */
  user?: { name: string; password: string };
  tls?: ClusterTls;
  /** `cluster-node-timeout`: how soon a node that stops answering is marked failed. @defaultValue 1500 */
  nodeTimeoutMs?: number;
}

export interface ClusterNodeView {
  id: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  failing: boolean;
  slots: string[];
}

interface Node {
  port: number;
  busPort: number;
  process: ChildProcess | undefined;
}

/**
 * A real Redis Cluster of a test's own: `redis-server --cluster-enabled yes` on free ports, joined by
 * `redis-cli --cluster create`, without persistence. Optionally with an ACL user and TLS on every
 * node (and on the cluster bus). Failovers and outages happen to it alone.
 */
export class OwnRedisCluster {
  private constructor(
    private readonly directory: string,
    private readonly nodes: Node[],
    private readonly options: OwnRedisClusterOptions,
  ) {}

  static async start(options: OwnRedisClusterOptions = {}): Promise<OwnRedisCluster> {
    const count = (options.masters ?? 3) * (1 + (options.replicas ?? 1));
    const directory = await mkdtemp(join(tmpdir(), 'gw-redis-cluster-'));
    const taken = new Set<number>();
    const nodes: Node[] = [];
    for (let index = 0; index < count; index += 1) nodes.push({ port: await distinctFreePort(taken), busPort: await distinctFreePort(taken), process: undefined });
    const cluster = new OwnRedisCluster(directory, nodes, options);
    try {
      // A port found free may be taken by another process before the node binds it: that node moves.
      await Promise.all(
        nodes.map(async (node) => {
          for (let attempt = 1; ; attempt += 1) {
            try {
              return await cluster.startNode(node.port);
            } catch (error) {
              if (attempt >= 3) throw error;
              node.port = await distinctFreePort(taken);
              node.busPort = await distinctFreePort(taken);
            }
          }
        }),
      );
      await cluster.cli(['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(options.replicas ?? 1), '--cluster-yes']);
      await cluster.waitUntilHealthy();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** `REDIS_CLUSTER_NODES`: every node as a seed. */
  get seeds(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  /** `REDIS_URL` for the gateway: the login (and TLS) only; the host is not used in cluster mode. */
  get url(): string {
    const scheme = this.options.tls ? 'rediss' : 'redis';
    const user = this.options.user;
    return user ? `${scheme}://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@cluster.invalid:6379` : `${scheme}://cluster.invalid:6379`;
  }

  /** A cluster client of the caller's own (quit it when done). */
  client(): Cluster {
    return new Cluster(
      this.nodes.slice(0, 3).map((node) => ({ host: '127.0.0.1', port: node.port })),
      { redisOptions: this.loginOptions() },
    );
  }

  /** A connection to one node (quit it when done). */
  node(port: number): Redis {
    return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, ...this.loginOptions() });
  }

  /** `CLUSTER NODES` as seen by a node that answers: each node's port, role, master and slots. */
  async topology(): Promise<ClusterNodeView[]> {
    for (const node of this.nodes) {
      if (!node.process) continue;
      try {
        return await this.viewOf(node.port);
      } catch {
        // This node is not answering: ask the next.
      }
    }
    throw new Error('no node of the cluster answers');
  }

  /** `CLUSTER NODES` as one node sees it. */
  private async viewOf(port: number): Promise<ClusterNodeView[]> {
    const redis = this.node(port);
    try {
      const text = String(await redis.call('CLUSTER', 'NODES'));
      return text
        .trim()
        .split('\n')
        .map((line) => {
          const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
          return {
            id,
            port: Number(/:(\d+)@/.exec(address)?.[1] ?? 0),
            role: flags.includes('master') ? ('master' as const) : ('replica' as const),
            masterId: master === '-' ? null : master,
            failing: flags.split(',').some((flag) => flag === 'fail' || flag === 'fail?'),
            slots,
          };
        });
    } finally {
      redis.disconnect();
    }
  }

  /** The master serving a key's slot. */
  async masterOf(key: string): Promise<number> {
    const client = this.client();
    try {
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
      const topology = await this.topology();
      const master = topology.find((node) => node.role === 'master' && !node.failing && node.slots.some((range) => inRange(range, slot)));
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return master.port;
    } finally {
      client.disconnect();
    }
  }

  /**
   * A manual failover (`CLUSTER FAILOVER` on a replica of the master that serves `key`): the replica
   * takes over once it has every write, as an operator's maintenance does. Resolves once it is master.
   */
  async failover(key: string): Promise<{ from: number; to: number }> {
    const from = await this.masterOf(key);
    const topology = await this.topology();
    const masterId = topology.find((node) => node.port === from)?.id;
    const replica = topology.find((node) => node.role === 'replica' && node.masterId === masterId && !node.failing);
    if (!replica) throw new Error(`master ${from} has no replica to fail over to`);
    const redis = this.node(replica.port);
    try {
      await redis.call('CLUSTER', 'FAILOVER');
    } finally {
      redis.disconnect();
    }
    // Every node's own view, not only the first one's: until then a client may still be sent to the old master.
    await this.waitFor(`every node to see replica ${replica.port} take over from ${from}`, async () => {
      for (const node of this.nodes) {
        if (!node.process) continue;
        const view = await this.viewOf(node.port);
        if (!view.some((entry) => entry.port === replica.port && entry.role === 'master') || !view.some((entry) => entry.port === from && entry.role === 'replica')) return false;
      }
      return true;
    });
    await this.waitUntilHealthy();
    return { from, to: replica.port };
  }

  /** FLUSHALL on every node that says it is a master (its own `ROLE`): the whole cluster loses its data. */
  async flushAll(): Promise<void> {
    for (const node of this.nodes) {
      if (!node.process) continue;
      const redis = this.node(node.port);
      try {
        const [role] = (await redis.call('ROLE')) as [string];
        if (role === 'master') await redis.flushall();
      } finally {
        redis.disconnect();
      }
    }
  }

  /** Stops one node (SIGKILL: as a crash). */
  async stopNode(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    const child = node?.process;
    if (!node || !child) return;
    node.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a stopped node again, with its cluster config (it rejoins as it left). */
  async startNode(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    const { tls, user } = this.options;
    const portArgs = tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cluster',
          'yes',
          '--tls-replication',
          'yes',
          '--tls-cert-file',
          tls.certFile,
          '--tls-key-file',
          tls.keyFile,
          '--tls-ca-cert-file',
          tls.caFile,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)];
    const userArgs = user ? ['--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all', '--user', 'default', 'off', '--masteruser', user.name, '--masterauth', user.password] : [];
    const child = spawn(
      'redis-server',
      [
        ...portArgs,
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(node.busPort),
        '--cluster-config-file',
        join(this.directory, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(this.options.nodeTimeoutMs ?? 1500),
        '--dir',
        this.directory,
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        ...userArgs,
      ],
      { stdio: 'ignore' },
    );
    node.process = child;
    // Never outlive the test process, even when its teardown did not run.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    await this.waitFor(`redis-server on port ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited`);
      const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...this.loginOptions() });
      redis.on('error', () => {});
      try {
        await redis.connect();
        return (await redis.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        redis.disconnect();
      }
    });
  }

  /** Every slot served, every node agreeing the cluster is ok, every running replica in sync. */
  async waitUntilHealthy(): Promise<void> {
    await this.waitFor('the cluster to be ok', async () => {
      for (const node of this.nodes) {
        if (!node.process) continue;
        const redis = this.node(node.port);
        try {
          const info = String(await redis.call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          const replication = await redis.info('replication');
          if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return false;
        } catch {
          return false;
        } finally {
          redis.disconnect();
        }
      }
      return true;
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.stopNode(node.port)));
    await rm(this.directory, { recursive: true, force: true });
  }

  private loginOptions(): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
    const { user, tls } = this.options;
    return {
      ...(user ? { username: user.name, password: user.password } : {}),
      ...(tls ? { tls: { ca: [readFileSync(tls.caFile)] } } : {}),
    };
  }

  private async cli(args: string[]): Promise<void> {
    const { user, tls } = this.options;
    const login = user ? ['--user', user.name, '--pass', user.password, '--no-auth-warning'] : [];
    const tlsArgs = tls ? ['--tls', '--cacert', tls.caFile] : [];
    await run('redis-cli', [...login, ...tlsArgs, ...args], { timeout: 60_000 });
  }

  private async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }
}

function inRange(range: string, slot: number): boolean {
  if (range.startsWith('[')) return false; // a slot being migrated
  const [from, to] = range.split('-').map(Number);
  return from !== undefined && slot >= from && slot <= (to ?? from);
}

/** A free port not handed out yet in this set (the OS may offer a port again once its probe closed). */
async function distinctFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}
