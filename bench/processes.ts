/** Child processes and small waiting helpers for the benchmarks: everything bounded in time. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** The last lines the child printed (stdout and stderr), for error reports. */
  tail: string[];
  /** Resolves with the first line (already printed or still to come) that matches. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

const children = new Set<Child>();

/**
 * Starts a child with piped output. Its lines are echoed to our stderr with a `[name]` prefix, at
 * most `echoLines` of them (a gateway logging a warning per request must not flood the table).
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; echoLines?: number; /** Its own process group (signal it with `-pid`). */ detached?: boolean } = {},
): Child {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: options.detached ?? false });
  if (child.pid === undefined) throw new Error(`cannot start ${name}: ${command} ${args.join(' ')}`);
  const tail: string[] = [];
  const lineWaiters: Array<{ pattern: RegExp; resolve: (match: RegExpExecArray) => void }> = [];
  let echoed = 0;
  let suppressed = 0;
  const echoLimit = options.echoLines ?? 40;

  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 50) tail.shift();
    if (echoed < echoLimit) {
      echoed += 1;
      process.stderr.write(`[${name}] ${line}\n`);
    } else {
      suppressed += 1;
    }
    for (const waiter of [...lineWaiters]) {
      const match = waiter.pattern.exec(line);
      if (match) {
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
  }
  child.stdin.on('error', () => {});

  const exited = new Promise<number | string>((resolve) => {
    // 'close', not 'exit': it comes once the child's output has been read to the end.
    child.once('close', (code, signal) => {
      children.delete(handle);
      if (suppressed > 0) process.stderr.write(`[${name}] (${suppressed} more output lines not shown)\n`);
      resolve(code ?? signal ?? 'unknown');
    });
  });

  const handle: Child = {
    name,
    pid: child.pid,
    process: child,
    exited,
    tail,
    async waitForLine(pattern, timeoutMs) {
      const seen = tail.map((line) => pattern.exec(line)).find((match) => match !== null);
      if (seen) return seen;
      let waiter: { pattern: RegExp; resolve: (match: RegExpExecArray) => void } | undefined;
      const matched = new Promise<RegExpExecArray>((resolve) => {
        waiter = { pattern, resolve };
        lineWaiters.push(waiter);
      });
      const outcome = await Promise.race([
        matched,
        exited.then((code) => new Error(`${name} exited (${code}) before printing ${pattern}`)),
        sleep(timeoutMs).then(() => new Error(`${name} did not print ${pattern} within ${timeoutMs} ms`)),
      ]);
      if (outcome instanceof Error) {
        if (waiter) lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        throw outcome;
      }
      return outcome;
    },
  };
  children.add(handle);
  return handle;
}

/** SIGTERM by pid, wait up to `timeoutMs` for a clean exit, then SIGKILL. */
export async function stopChild(child: Child, timeoutMs = 20_000): Promise<number | string> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return child.exited;
  }
  const result = await Promise.race([child.exited, sleep(timeoutMs).then(() => undefined)]);
  if (result !== undefined) return result;
  process.stderr.write(`[${child.name}] did not exit within ${timeoutMs} ms of SIGTERM; sending SIGKILL\n`);
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  return child.exited;
}

/** Last resort on our own exit (a crash, an uncaught error): SIGKILL whatever is still running. */
export function killChildrenNow(): void {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Resident set size in MiB, from /proc (0 when the process is gone). */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A TCP port free right now on `host` (127.0.0.1 unless given). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(label: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${label}: not ready within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export interface ProcessCounters {
  /** CPU seconds, user + system. */
  cpu: number;
  /** Read and write system calls (reads include recv, writes include send/writev). */
  readCalls: number;
  writeCalls: number;
  /** Bytes through read and write system calls on every descriptor (sockets, pipes, files): rchar, wchar. */
  readBytes: number;
  writtenBytes: number;
}

/** What a process has used so far, from /proc (Linux, USER_HZ 100); undefined elsewhere. */
export function processCounters(pid: number): ProcessCounters | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const ioField = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1]);
    const counters = {
      cpu: (Number(fields[11]) + Number(fields[12])) / 100,
      readCalls: ioField('syscr'),
      writeCalls: ioField('syscw'),
      readBytes: ioField('rchar'),
      writtenBytes: ioField('wchar'),
    };
    return Object.values(counters).every(Number.isFinite) ? counters : undefined;
  } catch {
    return undefined;
  }
}
