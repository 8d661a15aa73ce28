import pg from 'pg';
import { applySessionKeepalive } from '../db/session-keepalive.ts';
import type { Logger } from '../logging/logger.ts';

/** Advisory lock class of reconciler leadership; the second key is the Redis prefix's hash. */
export const leaderLockClass = 0x67770002;

/**
 * One leader at a time across every process of a deployment (its database and Redis prefix): a
 * Postgres session advisory lock held on a connection of its own. Postgres releases it when that
 * session ends (the process died, the connection broke, the server restarted), so leadership can
 * never be stuck with a dead process — nor, through the session's TCP keepalives, for long with a
 * host that vanished without closing anything (about 25 s). `stillLeader()` asks on the lock's own
 * session before each step of a pass: a leader whose session ended stops there (a fence), so two
 * passes overlap for at most one step — and every step is idempotent anyway.
 */
export class LeaderLock {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly options: {
      databaseUrl: string;
      prefix: string;
      applicationName: string;
      logger: Logger;
    },
  ) {}

  get isLeader(): boolean {
    return this.held;
  }

  /** Takes the lock if it is free; true when this process leads (now or already). */
  async tryAcquire(): Promise<boolean> {
    if (this.held && (await this.stillLeader())) return true;
    try {
      const client = await this.connect();
      const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS acquired', [leaderLockClass, this.options.prefix]);
      this.held = rows[0]?.acquired === true;
      if (this.held) this.options.logger.info('this process leads reconciliation');
    } catch (error) {
      this.options.logger.debug({ err: error }, 'cannot take the reconciler lock (Postgres unreachable?)');
      await this.drop();
    }
    return this.held;
  }

  /** Asks the lock's session whether it still holds the lock: false if the session has ended. */
  async stillLeader(): Promise<boolean> {
    if (!this.held || !this.client) return false;
    try {
      const { rows } = await this.client.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = $1::oid AND granted) AS held`,
        [leaderLockClass],
      );
      this.held = rows[0]?.held === true;
    } catch {
      await this.drop();
    }
    return this.held;
  }

  async release(): Promise<void> {
    if (this.held && this.client) {
      await this.client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [leaderLockClass, this.options.prefix]).catch(() => undefined);
    }
    await this.drop();
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: this.options.applicationName, connectionTimeoutMillis: 5000 });
    // A broken session has lost the lock with it: note it; the next tryAcquire connects again.
    client.on('error', (error) => {
      if (this.held) this.options.logger.warn({ err: error }, 'lost the reconciler lock with its connection');
      void this.drop();
    });
    await client.connect();
    // The lock must not outlive this host by hours when it vanishes (session-keepalive.ts).
    if (!(await applySessionKeepalive(client))) this.options.logger.warn('Postgres refused the TCP keepalive settings: the reconciler lock of a host that vanishes stays held for the OS default');
    this.client = client;
    return client;
  }

  private async drop(): Promise<void> {
    this.held = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
