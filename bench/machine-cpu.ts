/**
 * Where the machine's cores went over a phase: every CPU's busy time (/proc/stat) and the CPU time of
 * the processes behind it, grouped (the gateway's processes by role, Postgres's server processes, the
 * Redis server, this bench process). Shows whether a phase was bound by the machine rather than by one
 * process. Linux only; elsewhere nothing is reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface MachineSnapshot {
  /** Seconds of busy CPU time over every CPU (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** Seconds of CPU time over every CPU, idle included. */
  total: number;
  /** CPU seconds per group. */
  groups: Map<string, number>;
}

/** CPU seconds (user + system) of a process so far. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The command name of a process (`postgres`, `redis-server`, …). */
function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * A snapshot: `named` maps a group to its process ids (the gateway's processes); every process named
 * `postgres` counts as Postgres and every `redis-server` as Redis, whoever started it.
 */
export function machineSnapshot(named: Record<string, number[]>): MachineSnapshot | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
  const ticks = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  const groups = new Map<string, number>();
  const add = (group: string, seconds: number | undefined) => groups.set(group, (groups.get(group) ?? 0) + (seconds ?? 0));
  for (const [group, pids] of Object.entries(named)) for (const pid of pids) add(group, processCpuSeconds(pid));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const name = commandName(pid);
    if (name === 'postgres') add('Postgres', processCpuSeconds(pid));
    else if (name === 'redis-server') add('Redis', processCpuSeconds(pid));
  }
  add('bench process', processCpuSeconds(process.pid));
  const busy = (user + nice + system + irq + softirq + steal) / 100;
  return { busy, total: busy + (idle + iowait) / 100, groups };
}

/** Cores each group used between two snapshots, and the machine's busy share, as one line of text. */
export function describeMachineCpu(before: MachineSnapshot, after: MachineSnapshot, seconds: number): { text: string; busyShare: number; cores: Record<string, number> } {
  const busyShare = (after.busy - before.busy) / Math.max(after.total - before.total, 1e-9);
  const cores: Record<string, number> = {};
  for (const [group, value] of after.groups) cores[group] = (value - (before.groups.get(group) ?? 0)) / seconds;
  const parts = Object.entries(cores).map(([group, used]) => `${group} ${used.toFixed(2)}`);
  return { text: `${availableParallelism()} CPUs ${(busyShare * 100).toFixed(0)} % busy; cores used: ${parts.join(', ')}`, busyShare, cores };
}
