/**
 * What one request (or batch line) costs the gateway, from counters read just before and after a
 * phase and divided by the phase's calls: Redis commands by name (`INFO commandstats`, which counts
 * the commands Lua scripts run as well as the script calls), Postgres transactions and rows
 * (`pg_stat_database` of the bench's own database), bytes and writes per socket peer (`ss -tinp` on
 * the gateway's pids), syscall bytes on every descriptor (`/proc/<pid>/io`) and CPU (`/proc/<pid>/stat`).
 * Clean only when the Redis server and the database serve nothing but the gateway during the phase.
 */
import { execFileSync } from 'node:child_process';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { processCounters, type ProcessCounters } from './processes.ts';

/** Where a gateway socket leads: its own listener (the bench's clients), a server, or something else. */
export type Peer = 'clients' | 'Redis' | 'Postgres' | 'upstream' | 'other';
export const peerNames: readonly Peer[] = ['clients', 'Redis', 'Postgres', 'upstream', 'other'];

/** The ports that tell the peers apart: the gateway's listening port and the servers' ports. */
export interface PeerPorts {
  listener: number;
  redis: number;
  postgres: number;
  /** The provider's port when it is a server of its own (absent: the built-in mock, no socket). */
  upstream?: number;
}

/** Script calls: each runs several commands inside Redis, which commandstats counts one by one too. */
export const scriptCommands = ['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro'];

/**
 * Postgres keeps a backend's counters in the backend until it has been idle this long (its idle
 * stats flush, 10 s) or its next flush (at most one a second while busy): read `pg_stat_database`
 * only after the gateway's connections have been quiet for longer.
 */
export const postgresStatsSettleMs = 12_000;

interface SocketCounters {
  peer: Peer;
  received: number;
  sent: number;
  /** TCP segments carrying data that the gateway sent: one per write on loopback, unless writes queue up. */
  writes: number;
}

/** Redis, socket and process counters at one moment. */
export interface Snapshot {
  commands: Map<string, number>;
  redisBytes: { in: number; out: number };
  sockets: Map<string, SocketCounters>;
  processes: Map<string, ProcessCounters>;
}

export interface DatabaseCounters {
  commits: number;
  rollbacks: number;
  returned: number;
  fetched: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/** Per call (request or batch line), over one phase. */
export interface CallCost {
  label: string;
  calls: number;
  redis: {
    commands: number;
    byCommand: Record<string, number>;
    scripts: number;
    /** The server's own count of bytes in from and out to clients (`INFO stats`). */
    serverBytesIn: number;
    serverBytesOut: number;
  };
  /** BullMQ's own job lifecycle per call, from the calibration (see bullmq-floor.ts), when the caller sets it. */
  bullmqFloor?: { commands: number; scripts: number; byCommand: Record<string, number> };
  /** Over `calls` of its own: the Postgres window can be wider than the phase (see sync.ts). */
  postgres: DatabaseCounters & { transactions: number; calls: number };
  sockets: Record<Peer, { received: number; sent: number; writes: number }>;
  /** Sockets of the gateway opened and closed within the phase (a closed one's bytes are not counted). */
  socketsOpened: number;
  socketsClosed: number;
  syscallBytes: { read: number; written: number };
  /** CPU ms per call, each process and in total. */
  cpuMs: Record<string, number>;
}

/** `INFO commandstats` and `INFO stats` of the server: calls by command, net bytes. */
export async function readRedisCounters(redis: Redis): Promise<Pick<Snapshot, 'commands' | 'redisBytes'>> {
  const info = (await redis.call('INFO', 'commandstats', 'stats')) as string;
  const commands = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) commands.set(match[1] ?? '', Number(match[2]));
  const stat = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return { commands, redisBytes: { in: stat('total_net_input_bytes'), out: stat('total_net_output_bytes') } };
}

/** The port of `127.0.0.1:6379`, `[::1]:6379`, `[::ffff:127.0.0.1]:6379`, `*:8080`. */
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** The TCP sockets of `pids` from `ss -tinp`, keyed by their addresses, with their byte counters. */
function readSockets(pids: readonly number[], ports: PeerPorts): Map<string, SocketCounters> {
  const output = execFileSync('ss', ['-tinpH'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const sockets = new Map<string, SocketCounters>();
  let current: { key: string; peer: Peer } | undefined;
  for (const line of output.split('\n')) {
    if (!/^\s/.test(line)) {
      // `State Recv-Q Send-Q Local Peer users:(("node",pid=…,fd=…))`, its counters on the next line.
      const [, , , local = '', remote = ''] = line.trim().split(/\s+/);
      const owned = [...line.matchAll(/pid=(\d+),/g)].some((match) => pids.includes(Number(match[1])));
      current = owned ? { key: `${local} ${remote}`, peer: classify(portOf(local), portOf(remote), ports) } : undefined;
      continue;
    }
    if (!current) continue;
    const counter = (name: string) => Number(new RegExp(`\\b${name}:(\\d+)`).exec(line)?.[1] ?? 0);
    sockets.set(current.key, { peer: current.peer, received: counter('bytes_received'), sent: counter('bytes_acked'), writes: counter('data_segs_out') });
    current = undefined;
  }
  return sockets;
}

function classify(localPort: number, remotePort: number, ports: PeerPorts): Peer {
  if (localPort === ports.listener) return 'clients';
  if (remotePort === ports.redis) return 'Redis';
  if (remotePort === ports.postgres) return 'Postgres';
  if (remotePort === ports.upstream) return 'upstream';
  return 'other';
}

/** Redis, socket and /proc counters of the gateway's processes (by role name) right now. */
export async function takeSnapshot(redis: Redis, processes: Record<string, number>, ports: PeerPorts): Promise<Snapshot> {
  const pids = Object.values(processes);
  const sockets = readSockets(pids, ports);
  const counters = new Map<string, ProcessCounters>();
  for (const [name, pid] of Object.entries(processes)) {
    const read = processCounters(pid);
    if (read) counters.set(name, read);
  }
  return { ...(await readRedisCounters(redis)), sockets, processes: counters };
}

/** `pg_stat_database` of `database`, read over `adminUrl` (another database, so the read is not counted). */
export async function readDatabaseCounters(adminUrl: string, database: string): Promise<DatabaseCounters> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<Record<keyof DatabaseCounters, string>>(
      `SELECT xact_commit AS commits, xact_rollback AS rollbacks, tup_returned AS returned, tup_fetched AS fetched,
              tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted
         FROM pg_stat_database WHERE datname = $1`,
      [database],
    );
    const row = rows[0];
    if (!row) throw new Error(`pg_stat_database has no row for ${database}`);
    return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, Number(value)])) as unknown as DatabaseCounters;
  } finally {
    await client.end();
  }
}

/** Bytes and writes per call by peer, over the sockets of `after` (those opened since `before` from zero). */
function socketsPerCall(before: Snapshot, after: Snapshot, calls: number): CallCost['sockets'] {
  const sockets = Object.fromEntries(peerNames.map((peer) => [peer, { received: 0, sent: 0, writes: 0 }])) as CallCost['sockets'];
  for (const [key, now] of after.sockets) {
    const then = before.sockets.get(key) ?? { received: 0, sent: 0, writes: 0 };
    const totals = sockets[now.peer];
    totals.received += (now.received - then.received) / calls;
    totals.sent += (now.sent - then.sent) / calls;
    totals.writes += (now.writes - then.writes) / calls;
  }
  return sockets;
}

/** The cost per call between two snapshots, and between two database reads over `database.calls` calls. */
export function costPerCall(options: {
  label: string;
  calls: number;
  before: Snapshot;
  after: Snapshot;
  /**
   * `snapshot`: taken with the first database read when that window starts earlier than the phase
   * (sync.ts counts Postgres over the warm-up too), so the Postgres sockets are counted over it as well.
   */
  database: { before: DatabaseCounters; after: DatabaseCounters; calls: number; snapshot?: Snapshot };
  /**
   * The clients' bytes as the load generator counted them, from the gateway's side (received = what
   * the clients wrote), in place of `ss`'s: its connections close as the phase ends, before the
   * second snapshot could read them. Writes are then not known.
   */
  clients?: { received: number; sent: number };
}): CallCost {
  const { before, after, calls } = options;
  const per = (value: number) => value / calls;

  const byCommand: Record<string, number> = {};
  for (const [name, count] of after.commands) {
    // The INFO that took the first snapshot is counted in the second.
    const delta = count - (before.commands.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta > 0) byCommand[name] = per(delta);
  }
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

  const { database } = options;
  const sockets = socketsPerCall(before, after, calls);
  if (database.snapshot) sockets.Postgres = socketsPerCall(database.snapshot, after, database.calls).Postgres;
  if (options.clients) sockets.clients = { received: per(options.clients.received), sent: per(options.clients.sent), writes: Number.NaN };

  const cpuMs: Record<string, number> = {};
  const syscallBytes = { read: 0, written: 0 };
  for (const [name, now] of after.processes) {
    const then = before.processes.get(name);
    if (!then) continue;
    cpuMs[name] = per((now.cpu - then.cpu) * 1000);
    syscallBytes.read += per(now.readBytes - then.readBytes);
    syscallBytes.written += per(now.writtenBytes - then.writtenBytes);
  }
  if (Object.keys(cpuMs).length > 1) cpuMs.total = sum(Object.values(cpuMs));

  const rows = Object.fromEntries(
    (Object.keys(database.after) as Array<keyof DatabaseCounters>).map((name) => [name, (database.after[name] - database.before[name]) / database.calls]),
  ) as unknown as DatabaseCounters;

  return {
    label: options.label,
    calls,
    redis: {
      commands: sum(Object.values(byCommand)),
      byCommand,
      scripts: sum(scriptCommands.map((name) => byCommand[name] ?? 0)),
      serverBytesIn: per(after.redisBytes.in - before.redisBytes.in),
      serverBytesOut: per(after.redisBytes.out - before.redisBytes.out),
    },
    postgres: { ...rows, transactions: rows.commits + rows.rollbacks, calls: database.calls },
    sockets,
    socketsOpened: [...after.sockets.keys()].filter((key) => !before.sockets.has(key)).length,
    socketsClosed: [...before.sockets.keys()].filter((key) => !after.sockets.has(key)).length,
    syscallBytes,
    cpuMs,
  };
}
