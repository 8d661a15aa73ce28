/**
 * Batch benchmark: API and worker as separate processes (from the compiled build), the built-in 0 ms
 * mock provider, then for each operation (chat completions, embeddings) a 10,000-line and a
 * 100,000-line batch each uploaded, submitted and polled to `completed`. Prints, per operation and
 * size, end-to-end requests/s (POST /v1/batches → completed), upload time, and the peak RSS of the API
 * and worker processes; checks every line has its result and usage row.
 *
 *   npm run bench:batch
 *   BENCH_BATCH_SIZES=10000,100000   BENCH_BATCH_OPERATIONS=chat,embeddings   BENCH_SKIP_BUILD=1   DATABASE_URL / REDIS_URL
 *   BENCH_NODE_ARGS="--max-old-space-size=192 --max-semi-space-size=16"   node flags of the gateway processes (as npm start)
 */
import { spawnSync } from 'node:child_process';
import { batchInputFile, benchOperations, isBenchOperation, type BenchOperation } from './batch-input.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, killChildrenNow, startChild, stopChild, waitUntil } from './processes.ts';
import { createScratchDatabase, deleteRedisPrefix } from './scratch-services.ts';

const root = resolve(import.meta.dirname, '..');
const sizes = (process.env.BENCH_BATCH_SIZES ?? '10000,100000').split(',').map(Number);
const operationNames = (process.env.BENCH_BATCH_OPERATIONS ?? Object.keys(benchOperations).join(',')).split(',').map((name) => name.trim());
const operations = operationNames.filter(isBenchOperation);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const targets = { requestsPerSecond: 5_000, rssMb: 256 };
/** The flags `npm start` and the Dockerfile run the gateway with. */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '--max-old-space-size=192 --max-semi-space-size=16').split(' ').filter(Boolean);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const cleanups: Array<() => Promise<unknown>> = [];
process.on('exit', killChildrenNow);

/** Resident set size in MiB, from /proc. */
function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  const unknown = operationNames.filter((name) => !isBenchOperation(name));
  if (unknown.length > 0 || operations.length === 0) {
    throw new Error(`BENCH_BATCH_OPERATIONS: ${unknown.join(', ') || '(none)'} not known; choose from ${Object.keys(benchOperations).join(', ')}`);
  }
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const limit = setTimeout(() => {
    log('overall time limit (15 min) reached; giving up');
    killChildrenNow();
    process.exit(3);
  }, 15 * 60_000);

  const database = await createScratchDatabase(databaseUrl, 'bench_batch');
  cleanups.push(database.drop);
  const url = new URL(database.url);
  const prefix = `benchbatch${randomBytes(3).toString('hex')}`;
  cleanups.push(() => deleteRedisPrefix(redisUrl, prefix));
  const directory = await mkdtemp(join(tmpdir(), 'bench-batch-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const configPath = join(directory, 'gateway.yaml');
  await writeFile(
    configPath,
    [
      'providers:',
      '  mock: { type: mock, latencyMs: 0, concurrency: 256, maxAttempts: 1 }',
      'models:',
      ...operations.map((operation) => `  ${benchOperations[operation].model}: { routes: [{ provider: mock, model: ${benchOperations[operation].mockModel} }] }`),
      'files: { maxLines: 1000000 }',
      'batches: { chunkSize: 500 }',
      '',
    ].join('\n'),
  );
  const adminKey = randomBytes(18).toString('hex');
  const entry = join(root, 'dist/main.js');
  const sql = new pg.Pool({ connectionString: url.toString(), max: 2 });
  cleanups.push(() => sql.end());

  /** Fresh API and worker processes per batch, so each batch's peak RSS is its own. */
  async function startGateway() {
    const port = await freePort();
    const environment = {
      ...process.env,
      DATABASE_URL: url.toString(),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      GATEWAY_CONFIG: configPath,
      GATEWAY_ADMIN_KEY: adminKey,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    };
    const api = startChild('api', process.execPath, [...nodeArgs, entry], { env: { ...environment, GATEWAY_ROLE: 'api' }, cwd: root });
    const worker = startChild('worker', process.execPath, [...nodeArgs, entry], { env: { ...environment, GATEWAY_ROLE: 'worker' }, cwd: root });
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('gateway', async () => (await fetch(`${base}/readyz`)).ok, 60_000);
    await sleep(1000); // the worker process migrates and starts too
    const keyResponse = await fetch(`${base}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', project: 'bench' }),
    });
    const { key } = (await keyResponse.json()) as { key: string };
    return { api, worker, base, headers: { authorization: `Bearer ${key}` } };
  }

  /** One batch of `size` lines of `operation` on fresh processes: its figures, and whether every line has its rows. */
  async function runBatch(operation: BenchOperation, size: number): Promise<{ row: Record<string, string | number>; verified: boolean }> {
    const { endpoint } = benchOperations[operation];
    log(`${operation}: ${size.toLocaleString('en-US')} lines`);
    const { api, worker, base, headers } = await startGateway();
    const peaks = { api: rssMb(api.pid), worker: rssMb(worker.pid) };
    const sampler = setInterval(() => {
      peaks.api = Math.max(peaks.api, rssMb(api.pid));
      peaks.worker = Math.max(peaks.worker, rssMb(worker.pid));
    }, 50);
    const form = new FormData();
    form.set('purpose', 'batch');
    form.set('file', batchInputFile(size, operation), `bench-${operation}-${size}.jsonl`);
    const uploadStart = performance.now();
    const upload = await fetch(`${base}/v1/files`, { method: 'POST', headers, body: form });
    if (!upload.ok) throw new Error(`upload failed: ${upload.status} ${await upload.text()}`);
    const file = (await upload.json()) as { id: string };
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    const start = performance.now();
    const created = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: file.id, endpoint, completion_window: '24h' }),
    });
    if (!created.ok) throw new Error(`creating the ${operation} batch failed: ${created.status} ${await created.text()}`);
    const batch = (await created.json()) as { id: string };
    let status = '';
    let counts = { total: 0, completed: 0, failed: 0 };
    while (!['completed', 'failed', 'expired', 'cancelled'].includes(status)) {
      await sleep(100);
      const current = (await (await fetch(`${base}/v1/batches/${batch.id}`, { headers })).json()) as { status: string; request_counts: typeof counts };
      status = current.status;
      counts = current.request_counts;
    }
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const { rows } = await sql.query(
      "SELECT (SELECT count(*)::int FROM requests WHERE batch_id = $1 AND status = 'completed') AS results, (SELECT count(*)::int FROM usage WHERE batch_id = $1) AS usage",
      [batch.id],
    );
    const verified = status === 'completed' && counts.completed === size && rows[0].results === size && rows[0].usage === size;
    await Promise.all([stopChild(api), stopChild(worker)]);
    const row = {
      operation,
      lines: size,
      'upload s': uploadSeconds.toFixed(2),
      'e2e s': seconds.toFixed(2),
      'requests/s': Math.round(size / seconds),
      'API peak RSS MB': Math.round(peaks.api),
      'worker peak RSS MB': Math.round(peaks.worker),
      'results+usage rows': verified ? `${rows[0].results}+${rows[0].usage} OK` : `MISMATCH ${status} ${JSON.stringify(counts)} ${JSON.stringify(rows[0])}`,
    };
    return { row, verified };
  }

  const results: Array<Record<string, string | number>> = [];
  let ok = true;
  for (const operation of operations) {
    for (const size of sizes) {
      const { row, verified } = await runBatch(operation, size);
      results.push(row);
      ok &&= verified;
    }
  }
  clearTimeout(limit);
  console.table(results);
  process.stdout.write(`targets (each operation): ≥ ${targets.requestsPerSecond} requests/s end to end, RSS ≤ ${targets.rssMb} MB per process, flat from 10k to 100k lines\n`);
  return ok ? 0 : 1;
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
process.exit(exitCode);
