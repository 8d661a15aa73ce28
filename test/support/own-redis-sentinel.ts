import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitUntil } from '../../bench/processes.ts';

/**
 * A master, its replica and one Sentinel watching them (quorum 1), each a `redis-server` of a test's
 * own on free ports, with a password on both data nodes. `failover()` asks the Sentinel to promote
 * the replica, as an operator's `SENTINEL FAILOVER` does.
 */
export class OwnRedisSentinel {
  private readonly children: ChildProcess[] = [];

  private constructor(
    private readonly directory: string,
    readonly ports: { master: number; replica: number; sentinel: number },
    readonly password: string,
    readonly masterName: string,
  ) {}

  static async start(options: { password: string; masterName?: string }): Promise<OwnRedisSentinel> {
    const directory = await mkdtemp(join(tmpdir(), 'gw-redis-sentinel-'));
    const ports = { master: await freePort(), replica: await freePort(), sentinel: await freePort() };
    const set = new OwnRedisSentinel(directory, ports, options.password, options.masterName ?? 'gateway-master');
    try {
      const data = (port: number) => [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        directory,
        '--requirepass',
        options.password,
        '--masterauth',
        options.password,
      ];
      await set.spawn(data(ports.master), ports.master, options.password);
      await set.spawn([...data(ports.replica), '--replicaof', '127.0.0.1', String(ports.master)], ports.replica, options.password);
      const sentinelConfig = join(directory, 'sentinel.conf');
      await writeFile(
        sentinelConfig,
        [
          `port ${ports.sentinel}`,
          'bind 127.0.0.1',
          `dir ${directory}`,
          `sentinel monitor ${set.masterName} 127.0.0.1 ${ports.master} 1`,
          `sentinel auth-pass ${set.masterName} ${options.password}`,
          `sentinel down-after-milliseconds ${set.masterName} 1000`,
          `sentinel failover-timeout ${set.masterName} 5000`,
          '',
        ].join('\n'),
      );
      await set.spawn([sentinelConfig, '--sentinel'], ports.sentinel);
      await waitUntil(
        'the replica to sync and the Sentinel to see it',
        async () => (await set.sentinelAsk('REPLICAS', set.masterName)).length === 1 && (await set.replicaInSync(ports.replica)),
        30_000,
      );
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  /** `REDIS_SENTINELS`. */
  get sentinels(): string {
    return `127.0.0.1:${this.ports.sentinel}`;
  }

  /** `REDIS_URL`: the data nodes' password; the host is not used behind Sentinel. */
  get url(): string {
    return `redis://:${encodeURIComponent(this.password)}@sentinel.invalid:6379`;
  }

  /** The port of the node the Sentinel names master now. */
  async masterPort(): Promise<number> {
    const reply = await this.sentinelAsk('GET-MASTER-ADDR-BY-NAME', this.masterName);
    return Number(reply[1]);
  }

  /** Promotes the replica and resolves once the Sentinel names it master. */
  async failover(): Promise<{ from: number; to: number }> {
    const from = await this.masterPort();
    await this.sentinelAsk('FAILOVER', this.masterName);
    await waitUntil('the Sentinel to name a new master', async () => (await this.masterPort()) !== from, 30_000);
    return { from, to: await this.masterPort() };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await rm(this.directory, { recursive: true, force: true });
  }

  private async sentinelAsk(...args: string[]): Promise<unknown[]> {
    const sentinel = new Redis({ host: '127.0.0.1', port: this.ports.sentinel, maxRetriesPerRequest: 1 });
    try {
      return (await sentinel.call('SENTINEL', ...args)) as unknown[];
    } finally {
      sentinel.disconnect();
    }
  }

  private async replicaInSync(port: number): Promise<boolean> {
    const replica = new Redis({ host: '127.0.0.1', port, password: this.password, maxRetriesPerRequest: 1 });
    try {
      return /master_link_status:up/.test(await replica.info('replication'));
    } finally {
      replica.disconnect();
    }
  }

  private async spawn(args: string[], port: number, password?: string): Promise<void> {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.children.push(child);
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    await waitUntil(
      `redis-server on port ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited`);
        const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(password ? { password } : {}) });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      30_000,
    );
  }
}
