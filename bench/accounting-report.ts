/** The cost-per-call table the benchmarks print (see accounting.ts), and its figures for the results file. */
import { peerNames, type CallCost } from './accounting.ts';
import { formatFigure as number, type Figures } from './results.ts';

/** Commands shown one by one: the most frequent in any column. */
const topCommandCount = 8;

const pair = (first: number, second: number) => `${number(first)} / ${number(second)}`;

function topCommands(costs: readonly CallCost[]): string[] {
  const names = new Set(costs.flatMap((cost) => Object.keys(cost.redis.byCommand)));
  const largest = (name: string) => Math.max(...costs.map((cost) => cost.redis.byCommand[name] ?? 0));
  return [...names].sort((first, second) => largest(second) - largest(first)).slice(0, topCommandCount);
}

/**
 * Prints one column per phase (a sync phase, or a batch), one row per figure, then what each row counts.
 * `unit` names a call ("request", "batch line"); `floorNote` says how the BullMQ floor was measured.
 */
export function printAccounting(
  costs: readonly CallCost[],
  options: {
    unit: string;
    title: string;
    floorNote: string;
    postgresNote: string;
    redisShared: boolean;
    /** Where the clients' bytes come from when not from `ss`. */
    clientsNote?: string;
  },
): void {
  const rows: Array<[string, ...string[]]> = [];
  const add = (label: string, value: (cost: CallCost) => string) => rows.push([label, ...costs.map(value)]);
  const floor = (cost: CallCost, figure: 'commands' | 'scripts') => (cost.bullmqFloor ? number(cost.bullmqFloor[figure]) : '-');

  add(`${options.unit}s measured`, (cost) => cost.calls.toLocaleString('en-US'));
  add('Redis commands (scripts’ own included)', (cost) => number(cost.redis.commands));
  add('  of which BullMQ floor ≈', (cost) => floor(cost, 'commands'));
  for (const name of topCommands(costs)) {
    add(`  ${name}`, (cost) => `${number(cost.redis.byCommand[name] ?? 0)}${cost.bullmqFloor ? ` (${number(cost.bullmqFloor.byCommand[name] ?? 0)})` : ''}`);
  }
  add('Lua script calls (EVALSHA/EVAL/FCALL)', (cost) => number(cost.redis.scripts));
  add('  of which BullMQ floor ≈', (cost) => floor(cost, 'scripts'));
  add('writes to Redis (data segments)', (cost) => number(cost.sockets.Redis.writes));
  add('Redis server bytes in / out', (cost) => pair(cost.redis.serverBytesIn, cost.redis.serverBytesOut));
  add('Postgres transactions', (cost) => number(cost.postgres.transactions));
  add('  of which rolled back', (cost) => number(cost.postgres.rollbacks));
  add('Postgres round trips (≈ writes to it)', (cost) => number(cost.sockets.Postgres.writes));
  add('Postgres rows inserted / updated', (cost) => pair(cost.postgres.inserted, cost.postgres.updated));
  add('Postgres rows deleted', (cost) => number(cost.postgres.deleted));
  add('Postgres rows fetched / returned', (cost) => pair(cost.postgres.fetched, cost.postgres.returned));
  add('socket bytes in / out, by peer:', () => '');
  for (const peer of peerNames) add(`  ${peer}`, (cost) => pair(cost.sockets[peer].received, cost.sockets[peer].sent));
  add('  sockets opened / closed in the phase', (cost) => `${cost.socketsOpened} / ${cost.socketsClosed}`);
  add('syscall bytes read / written (all fds)', (cost) => pair(cost.syscallBytes.read, cost.syscallBytes.written));
  const processNames = [...new Set(costs.flatMap((cost) => Object.keys(cost.cpuMs)))];
  for (const name of processNames) add(`CPU ms, ${name === 'total' ? 'all gateway processes' : name}`, (cost) => number(cost.cpuMs[name] ?? Number.NaN));

  const widths = [Math.max(...rows.map((row) => row[0].length)), ...costs.map((cost, index) => Math.max(cost.label.length, ...rows.map((row) => (row[index + 1] ?? '').length)))];
  const line = (cells: readonly string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
  const lines = [
    '',
    options.title,
    '',
    line([`per ${options.unit}`, ...costs.map((cost) => cost.label)]),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `Redis: INFO commandstats deltas over the phase${options.redisShared ? ' (REDIS_URL given: a server others may use, so other clients’ commands count too)' : ' on a redis-server the bench started for itself'}.`,
    '  commandstats counts every command a Lua script runs as well as the script call itself (EVALSHA). By command: the gateway (BullMQ floor).',
    `  BullMQ floor: BullMQ's own job lifecycle, measured once with a Queue and Worker of the gateway's options: ${options.floorNote}.`,
    `Postgres: pg_stat_database of the bench's own database (no pg_stat_statements: statements are not counted). ${options.postgresNote}`,
    '  Transactions = xact_commit + xact_rollback; rows = tup_inserted, tup_updated, tup_deleted, tup_fetched (by index), tup_returned (by scans); autovacuum counts too.',
    '  Round trips: data segments the gateway sent to Postgres (node-postgres writes each query in one write and waits for its answer; a query over 64 kB takes more).',
    '  Its idle probe (SELECT 1 every second) and the gateway’s other background work count too.',
    "Sockets: ss -tinp of the gateway's TCP sockets, bytes_received / bytes_acked by peer port (clients = its listener); the bytes a socket",
    '  carried are lost if it closes before the phase ends (sockets opened / closed: totals, not per call). Writes: data segments sent, one per write on loopback unless writes queue up.',
    ...(options.clientsNote ? [`  ${options.clientsNote}`] : []),
    'Syscall bytes: /proc/<pid>/io rchar / wchar (sockets, pipes, files). CPU: user + system from /proc/<pid>/stat.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** The table's figures under `cost <label>.`: all lower is better, save the calls measured. */
export function addAccountingFigures(figures: Figures, cost: CallCost): void {
  const name = (figure: string) => `cost ${cost.label}.${figure}`;
  figures.add(name('calls'), cost.calls);
  figures.lower(name('redis commands'), cost.redis.commands);
  figures.add(name('redis commands BullMQ floor'), cost.bullmqFloor?.commands);
  for (const [command, count] of Object.entries(cost.redis.byCommand)) figures.lower(name(`redis ${command}`), count);
  for (const [command, count] of Object.entries(cost.bullmqFloor?.byCommand ?? {})) figures.add(name(`redis ${command} BullMQ floor`), count);
  figures.lower(name('lua script calls'), cost.redis.scripts);
  figures.add(name('lua script calls BullMQ floor'), cost.bullmqFloor?.scripts);
  figures.lower(name('redis server bytes in'), cost.redis.serverBytesIn);
  figures.lower(name('redis server bytes out'), cost.redis.serverBytesOut);
  figures.add(name('postgres calls counted'), cost.postgres.calls);
  figures.lower(name('postgres transactions'), cost.postgres.transactions);
  figures.lower(name('postgres rollbacks'), cost.postgres.rollbacks);
  for (const rows of ['inserted', 'updated', 'deleted', 'fetched', 'returned'] as const) figures.lower(name(`postgres rows ${rows}`), cost.postgres[rows]);
  for (const peer of peerNames) {
    figures.lower(name(`${peer} bytes in`), cost.sockets[peer].received);
    figures.lower(name(`${peer} bytes out`), cost.sockets[peer].sent);
    figures.lower(name(`${peer} writes`), cost.sockets[peer].writes);
  }
  figures.add(name('sockets opened'), cost.socketsOpened);
  figures.add(name('sockets closed'), cost.socketsClosed);
  figures.lower(name('syscall bytes read'), cost.syscallBytes.read);
  figures.lower(name('syscall bytes written'), cost.syscallBytes.written);
  for (const [process, ms] of Object.entries(cost.cpuMs)) figures.lower(name(`cpu ms ${process}`), ms);
}
