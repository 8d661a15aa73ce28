import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../bench/processes.ts';

/**
 * A `redis-server` of a test's (or benchmark's) own on a free port, without persistence: FLUSHDB,
 * restarts and outages happen to it alone, never to the Redis other test files share.
 */
export class OwnRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    /** `requirepass`: clients must AUTH with it. */
    private readonly password: string | undefined,
    /** The address it binds (and its URL names). */
    readonly host: string,
  ) {}

  /**
   * On a free port, or on `options.port` (one a test kept closed until now); with `requirepass` when a
   * password is given; bound to `options.host` (default 127.0.0.1), e.g. a test network's bridge address
   * (give it a password then: Redis's protected mode refuses clients off loopback on a server without one).
   */
  static async start(options: { port?: number; password?: string; host?: string } = {}): Promise<OwnRedisServer> {
    const host = options.host ?? '127.0.0.1';
    const server = new OwnRedisServer(options.port ?? (await freePort(host)), options.password, host);
    await server.up();
    return server;
  }

  get url(): string {
    const address = `${this.host}:${this.port}`;
    return this.password ? `redis://:${encodeURIComponent(this.password)}@${address}` : `redis://${address}`;
  }

  /** A connection of the caller's own (quit it when done). */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  }

  /** Empties the database, as a FLUSHDB by an operator (or a bug) would. */
  async flush(): Promise<void> {
    const client = this.client();
    try {
      await client.flushdb();
    } finally {
      await client.quit();
    }
  }

  /** Stops the server (SIGKILL: nothing is saved) and starts it again on the same port, empty. */
  async restart(downMs = 0): Promise<void> {
    await this.down();
    if (downMs > 0) await sleep(downMs);
    await this.up();
  }

  async stop(): Promise<void> {
    await this.down();
  }

  private async up(): Promise<void> {
    const passwordArgs = this.password ? ['--requirepass', this.password] : [];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', this.host, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...passwordArgs], {
      stdio: 'ignore',
    });
    this.process = child;
    // Never outlive the test process, even when its teardown did not run (a hook that timed out).
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      const ready = await probe
        .connect()
        .then(() => probe.ping())
        .then(
          () => true,
          () => false,
        );
      probe.disconnect();
      if (ready) return;
      if (child.exitCode !== null || Date.now() > deadline) {
        // Nothing will stop a server that never answered: stop it here.
        child.kill('SIGKILL');
        throw new Error(`redis-server on ${this.host}:${this.port} did not start`);
      }
      await sleep(50);
    }
  }

  private async down(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
