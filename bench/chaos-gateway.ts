/**
 * The chaos benchmark's gateway: one API and two worker processes from the build, a worker that can be
 * killed and started again, a client that keeps polling through outages, and a tally of what the
 * processes logged at warn and above.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startChild, stopChild, waitUntil, type Child } from './processes.ts';

/** Lines per process echoed to our stderr (JSON with stacks: long); the rest are only tallied. */
const echoLines = 6;

/** What the gateway processes logged at warn and above: count and one example per (role, level, message). */
export class LogTally {
  readonly entries = new Map<string, { count: number; example: string }>();

  watch(role: string, child: Child): void {
    let buffered = '';
    child.process.stdout?.on('data', (chunk: string | Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        this.count(role, buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
  }

  private count(role: string, line: string): void {
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if ((entry.level ?? 0) < 40) return;
    const level = entry.level! >= 60 ? 'fatal' : entry.level! >= 50 ? 'error' : 'warn';
    const key = `${role} ${level} ${entry.msg ?? '(no message)'}`;
    const seen = this.entries.get(key);
    if (seen) seen.count += 1;
    else this.entries.set(key, { count: 1, example: entry.err?.message?.split('\n')[0]?.slice(0, 120) ?? '' });
  }
}

export interface GatewayClient {
  base: string;
  headers: { authorization: string };
}

export interface ChaosGateway extends GatewayClient {
  /** SIGKILL of the first worker, then a new one in its place (as an orchestrator restarts it). */
  killAndRestartWorker(): Promise<void>;
  /** SIGTERM to every process; their exit codes (or signals) by name. */
  stop(): Promise<Record<string, number | string>>;
  logs: LogTally;
}

/** Starts the API and two workers with `environment`, waits for the API, and creates an API key. */
export async function startChaosGateway(options: { root: string; entry: string; nodeArgs: string[]; environment: NodeJS.ProcessEnv; adminKey: string; label: string }): Promise<ChaosGateway> {
  const port = await freePort();
  const environment = { ...options.environment, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const logs = new LogTally();
  const start = (role: 'api' | 'worker', name: string) => {
    const child = startChild(`${options.label} ${name}`, process.execPath, [...options.nodeArgs, options.entry], { env: { ...environment, GATEWAY_ROLE: role }, cwd: options.root, echoLines });
    logs.watch(role, child);
    return child;
  };
  const api = start('api', 'api');
  const workers = [start('worker', 'worker-1'), start('worker', 'worker-2')];
  const base = `http://127.0.0.1:${port}`;
  await waitUntil('gateway', async () => (await fetch(`${base}/readyz`)).ok, 60_000);
  await sleep(1000); // the workers migrate and start too
  const keyResponse = await fetch(`${base}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', project: 'bench' }),
  });
  if (!keyResponse.ok) throw new Error(`POST /admin/keys: ${keyResponse.status} ${await keyResponse.text()}`);
  const { key } = (await keyResponse.json()) as { key: string };
  let restarts = 0;
  return {
    base,
    headers: { authorization: `Bearer ${key}` },
    logs,
    async killAndRestartWorker() {
      const victim = workers[0]!;
      process.kill(victim.pid, 'SIGKILL');
      await victim.exited;
      restarts += 1;
      workers[0] = start('worker', `worker-1 (restart ${restarts})`);
    },
    async stop() {
      const children = [api, ...workers];
      const codes = await Promise.all(children.map((child) => stopChild(child)));
      return Object.fromEntries(children.map((child, index) => [child.name, codes[index]!]));
    },
  };
}

export interface BatchCounts {
  total: number;
  completed: number;
  failed: number;
}

/** Uploads the JSONL as a `batch` file; returns its id and the seconds it took. */
export async function uploadBatchFile(client: GatewayClient, file: Blob): Promise<{ fileId: string; seconds: number }> {
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', file, 'bench-chaos.jsonl');
  const started = performance.now();
  const upload = await fetch(`${client.base}/v1/files`, { method: 'POST', headers: client.headers, body: form });
  if (!upload.ok) throw new Error(`upload failed: ${upload.status} ${await upload.text()}`);
  return { fileId: ((await upload.json()) as { id: string }).id, seconds: (performance.now() - started) / 1000 };
}

export async function createBatch(client: GatewayClient, fileId: string): Promise<string> {
  const created = await fetch(`${client.base}/v1/batches`, {
    method: 'POST',
    headers: { ...client.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' }),
  });
  if (!created.ok) throw new Error(`POST /v1/batches: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { id: string }).id;
}

/**
 * The batch's status and counts, or why not: a 503 or a refused connection is expected while a fault
 * is injected, so the caller polls again.
 */
export async function readBatch(client: GatewayClient, batchId: string): Promise<{ status: string; counts: BatchCounts } | { unavailable: string }> {
  try {
    const response = await fetch(`${client.base}/v1/batches/${batchId}`, { headers: client.headers, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return { unavailable: `HTTP ${response.status}` };
    const batch = (await response.json()) as { status: string; request_counts: BatchCounts };
    return { status: batch.status, counts: batch.request_counts };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
    return { unavailable: cause ?? (error instanceof Error ? error.message : String(error)) };
  }
}

export async function downloadFile(client: GatewayClient, fileId: string): Promise<string> {
  const response = await fetch(`${client.base}/v1/files/${fileId}/content`, { headers: client.headers });
  if (!response.ok) throw new Error(`GET /v1/files/${fileId}/content: ${response.status}`);
  return response.text();
}
