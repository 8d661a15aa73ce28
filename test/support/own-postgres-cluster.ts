import { execFile } from 'node:child_process';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../bench/processes.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of a test's (or benchmark's) own, made with the machine's `initdb` and `pg_ctl`
 * in a temp directory on a free port (trust auth, fsync off): it can be restarted or stopped without
 * touching the server other test files share. As root, the binaries run as the `postgres` user (initdb
 * refuses root).
 */
export class OwnPostgresCluster {
  private constructor(
    private readonly directory: string,
    readonly port: number,
    private readonly runAs: string | undefined,
    /** The address it listens on (and its URLs name). */
    readonly host: string,
  ) {}

  /**
   * Listening on `options.host` (default 127.0.0.1). On another address (a test network's bridge), it
   * trusts clients from the networks that address is on (`samenet`), as initdb's trust covers loopback only.
   */
  static async start(options: { host?: string } = {}): Promise<OwnPostgresCluster> {
    const host = options.host ?? '127.0.0.1';
    const runAs = userInfo().uid === 0 ? 'postgres' : undefined;
    const directory = await mkdtemp(join(tmpdir(), 'own-pg-'));
    if (runAs) {
      const { stdout } = await run('id', ['-u', runAs]);
      const { stdout: group } = await run('id', ['-g', runAs]);
      await chown(directory, Number(stdout.trim()), Number(group.trim()));
    }
    const cluster = new OwnPostgresCluster(directory, await freePort(host), runAs, host);
    await cluster.command('initdb', ['-D', cluster.dataDirectory, '-U', 'postgres', '--auth', 'trust', '--no-sync', '-E', 'UTF8']);
    if (host !== '127.0.0.1') await appendFile(join(cluster.dataDirectory, 'pg_hba.conf'), 'host all all samenet trust\n');
    await cluster.up();
    return cluster;
  }

  get dataDirectory(): string {
    return join(this.directory, 'data');
  }

  /** The URL of a database of this cluster (`postgres` by default). */
  url(database = 'postgres'): string {
    return `postgres://postgres@${this.host}:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** A fast shutdown (connections are cut, as in a restart by an operator or a failover), then a start. */
  async restart(downMs = 0): Promise<void> {
    await this.down();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.up();
  }

  async stop(): Promise<void> {
    await this.down().catch(() => undefined);
    await rm(this.directory, { recursive: true, force: true });
  }

  private async up(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=${this.host} -c unix_socket_directories='${this.directory}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    await this.command('pg_ctl', ['-D', this.dataDirectory, '-o', options, '-l', join(this.directory, 'server.log'), '-w', '-t', '30', 'start']);
  }

  private async down(): Promise<void> {
    await this.command('pg_ctl', ['-D', this.dataDirectory, '-m', 'fast', '-w', '-t', '30', 'stop']);
  }

  private async command(binary: string, args: string[]): Promise<void> {
    if (this.runAs) await run('runuser', ['-u', this.runAs, '--', binary, ...args], { timeout: 60_000 });
    else await run(binary, args, { timeout: 60_000 });
  }
}
