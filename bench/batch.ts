/**
 * Batch benchmark: API and worker as separate processes (from the compiled build), the built-in 0 ms
 * mock provider, then for each operation (chat completions, embeddings) a 10,000-line and a
 * 100,000-line batch each uploaded, submitted and polled to `completed`. Prints, per operation and
 * size, end-to-end requests/s (POST /v1/batches → completed), upload time, and the peak RSS of the API
 * and worker processes; checks every line has its result and usage row.
 *
 * The `native` case runs the same chat lines through a provider's own batch API instead: an OpenAI
 * Batch API test server in this process (a batch completes on its first poll) behind an `openai`
 * provider with `nativeBatch` on (polled every 200 ms), lines of the catalogue model `gpt-6.2-sol` in a
 * 24h batch, split into provider batches of at most 50,000 lines. Beside the figures above it prints
 * the ingest rate, lines/s while the worker reads the provider's results in (each provider batch's
 * `ended_at` → `settled_at`, see native-batch-figures.ts), in total and per provider batch, with the
 * bench process's own CPU time and longest event-loop stall (the test server's share) over the batch;
 * and checks each line reached the provider once, in the expected number of provider batches.
 *
 *   npm run bench:batch
 *   BENCH_BATCH_SIZES=10000,100000   BENCH_BATCH_OPERATIONS=chat,embeddings,native   BENCH_SKIP_BUILD=1   DATABASE_URL / REDIS_URL
 *   BENCH_NODE_ARGS="--max-old-space-size=192 --max-semi-space-size=16"   node flags of the gateway processes (as npm start)
 */
import { spawnSync } from 'node:child_process';
import { batchInputFile, benchOperations, isBenchOperation, type BenchOperation } from './batch-input.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openAIBatchApi } from '../src/providers/openai/native-batch/openai-shaped-batch-api.ts';
import { OpenAIBatchServer } from '../test/support/openai-batch-server.ts';
import { providerSubmissions, readNativeParts } from './native-batch-figures.ts';
import { freePort, killChildrenNow, startChild, stopChild, waitUntil } from './processes.ts';
import { createScratchDatabase, deleteRedisPrefix } from './scratch-services.ts';

/** The case that sends chat lines to a provider's batch API rather than the mock through the gateway's workers. */
const nativeCase = 'native';
/** The native case's provider and model: OpenAI's batch API (the test server), a catalogue model, its limit of lines per provider batch. */
const native = { provider: 'openai', model: 'gpt-6.2-sol', apiKey: 'sk-bench-native', pollIntervalMs: 200, linesPerProviderBatch: openAIBatchApi.limits.maxRequestsPerBatch } as const;
const caseNames = [...Object.keys(benchOperations), nativeCase];

const root = resolve(import.meta.dirname, '..');
const sizes = (process.env.BENCH_BATCH_SIZES ?? '10000,100000').split(',').map(Number);
const operationNames = (process.env.BENCH_BATCH_OPERATIONS ?? caseNames.join(',')).split(',').map((name) => name.trim());
const operations = operationNames.filter(isBenchOperation);
const runsNative = operationNames.includes(nativeCase);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const targets = { requestsPerSecond: 5_000, rssMb: 256, ingestLinesPerSecond: 20_000 };
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

type Row = Record<string, string | number>;

/** What one batch measured. */
interface BatchRun {
  batchId: string;
  uploadSeconds: number;
  /** POST /v1/batches → completed. */
  seconds: number;
  /** Peak RSS in MiB of the gateway's processes. */
  peaks: { api: number; worker: number };
  /** This process over the same window: the native case's test server runs here. */
  own: { cpuSeconds: number; longestStallMs: number };
  verified: boolean;
  /** The results and usage rows, `OK` or what did not match. */
  rows: string;
}

async function main(): Promise<number> {
  const unknown = operationNames.filter((name) => !caseNames.includes(name));
  if (unknown.length > 0 || (operations.length === 0 && !runsNative)) {
    throw new Error(`BENCH_BATCH_OPERATIONS: ${unknown.join(', ') || '(none)'} not known; choose from ${caseNames.join(', ')}`);
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
  // In this process: its memory is not the gateway's (RSS is sampled per gateway process), its CPU time is reported.
  const batchApi = runsNative ? await OpenAIBatchServer.start({ apiKey: native.apiKey, completeAfterPolls: 0 }) : undefined;
  if (batchApi) cleanups.push(() => batchApi.close());
  const configPath = join(directory, 'gateway.yaml');
  await writeFile(
    configPath,
    [
      'providers:',
      '  mock: { type: mock, latencyMs: 0, concurrency: 256, maxAttempts: 1 }',
      ...(batchApi
        ? [`  ${native.provider}: { type: openai, baseUrl: ${JSON.stringify(batchApi.baseUrl)}, apiKey: ${native.apiKey}, nativeBatch: { enabled: true, pollIntervalMs: ${native.pollIntervalMs} } }`]
        : []),
      'models:',
      ...operations.map((operation) => `  ${benchOperations[operation].model}: { routes: [{ provider: mock, model: ${benchOperations[operation].mockModel} }] }`),
      ...(batchApi ? [`  ${native.model}: { routes: [{ provider: ${native.provider}, model: ${native.model} }] }`] : []),
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

  /** One batch of `size` lines of `operation` (for `model`, its bench model unless said) on fresh processes: its figures, and whether every line has its rows. */
  async function runBatch(operation: BenchOperation, size: number, model?: string): Promise<BatchRun> {
    const { endpoint } = benchOperations[operation];
    const { api, worker, base, headers } = await startGateway();
    const peaks = { api: rssMb(api.pid), worker: rssMb(worker.pid) };
    const sampler = setInterval(() => {
      peaks.api = Math.max(peaks.api, rssMb(api.pid));
      peaks.worker = Math.max(peaks.worker, rssMb(worker.pid));
    }, 50);
    const form = new FormData();
    form.set('purpose', 'batch');
    form.set('file', batchInputFile(size, operation, model), `bench-${operation}-${size}.jsonl`);
    const uploadStart = performance.now();
    const upload = await fetch(`${base}/v1/files`, { method: 'POST', headers, body: form });
    if (!upload.ok) throw new Error(`upload failed: ${upload.status} ${await upload.text()}`);
    const file = (await upload.json()) as { id: string };
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    const ownCpu = process.cpuUsage();
    const ownLoop = monitorEventLoopDelay({ resolution: 10 });
    ownLoop.enable();
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
    ownLoop.disable();
    const { user, system } = process.cpuUsage(ownCpu);
    clearInterval(sampler);
    const { rows } = await sql.query(
      "SELECT (SELECT count(*)::int FROM requests WHERE batch_id = $1 AND status = 'completed') AS results, (SELECT count(*)::int FROM usage WHERE batch_id = $1) AS usage",
      [batch.id],
    );
    const verified = status === 'completed' && counts.completed === size && rows[0].results === size && rows[0].usage === size;
    await Promise.all([stopChild(api), stopChild(worker)]);
    return {
      batchId: batch.id,
      uploadSeconds,
      seconds,
      peaks,
      own: { cpuSeconds: (user + system) / 1e6, longestStallMs: ownLoop.max / 1e6 },
      verified,
      rows: verified ? `${rows[0].results}+${rows[0].usage} OK` : `MISMATCH ${status} ${JSON.stringify(counts)} ${JSON.stringify(rows[0])}`,
    };
  }

  /** A batch on the mock provider: one row of the table. */
  async function runMockBatch(operation: BenchOperation, size: number): Promise<{ row: Row; verified: boolean }> {
    log(`${operation}: ${size.toLocaleString('en-US')} lines`);
    const run = await runBatch(operation, size);
    const row = {
      operation,
      lines: size,
      'upload s': run.uploadSeconds.toFixed(2),
      'e2e s': run.seconds.toFixed(2),
      'requests/s': Math.round(size / run.seconds),
      'API peak RSS MB': Math.round(run.peaks.api),
      'worker peak RSS MB': Math.round(run.peaks.worker),
      'results+usage rows': run.rows,
    };
    return { row, verified: run.verified };
  }

  /** A batch through the provider's batch API: a row, a row per provider batch, the targets met or not, and whether every line was sent once and has its rows. */
  async function runNativeBatch(server: OpenAIBatchServer, size: number): Promise<{ row: Row; parts: Row[]; notes: string[]; verified: boolean }> {
    log(`${nativeCase}: ${size.toLocaleString('en-US')} lines to ${native.provider}'s batch API`);
    const createsBefore = server.creates;
    const run = await runBatch('chat', size, native.model);
    const creates = server.creates - createsBefore;
    const expectedCreates = Math.ceil(size / native.linesPerProviderBatch);
    const sent = providerSubmissions(server, run.batchId);
    const ingest = await readNativeParts(sql, run.batchId);
    const ingestRate = ingest.lines / ingest.ingestSeconds;
    const sentOk = sent.lines === size && sent.sentOnce;
    const verified = run.verified && creates === expectedCreates && sentOk && ingest.allIngested && ingest.lines === size;
    const row = {
      operation: nativeCase,
      lines: size,
      'upload s': run.uploadSeconds.toFixed(2),
      'e2e s': run.seconds.toFixed(2),
      'requests/s': Math.round(size / run.seconds),
      'ingest s': ingest.ingestSeconds.toFixed(2),
      'ingest lines/s': Math.round(ingestRate),
      'API peak RSS MB': Math.round(run.peaks.api),
      'worker peak RSS MB': Math.round(run.peaks.worker),
      'provider creates': creates === expectedCreates ? `${creates} OK` : `MISMATCH ${creates}, expected ${expectedCreates}`,
      'sent once': sentOk ? `${sent.lines} OK` : `MISMATCH ${sent.lines} lines${sent.sentOnce ? '' : ', some twice'}`,
      'results+usage rows': run.rows,
    };
    const parts = ingest.parts.map((part) => ({
      'batch lines': size,
      'provider batch': part.id,
      'part lines': part.lines,
      status: part.status,
      'upload+create s': part.submitSeconds.toFixed(2),
      'ingest s': part.ingestSeconds.toFixed(2),
      'ingest lines/s': Math.round(part.lines / part.ingestSeconds),
      'first→last result s': part.resultsWrittenSeconds.toFixed(2),
    }));
    const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    const label = `${nativeCase} ${size.toLocaleString('en-US')} lines`;
    const notes = [
      `${label}: ingest ${Math.round(ingestRate).toLocaleString('en-US')} lines/s (≥ ${targets.ingestLinesPerSecond.toLocaleString('en-US')}: ${met(ingestRate >= targets.ingestLinesPerSecond)}); ` +
        `peak RSS API ${Math.round(run.peaks.api)} MB, worker ${Math.round(run.peaks.worker)} MB (≤ ${targets.rssMb} MB each: ${met(Math.max(run.peaks.api, run.peaks.worker) <= targets.rssMb)})`,
      `${label}: the bench process (test server, polling) used ${run.own.cpuSeconds.toFixed(2)} s CPU in ${run.seconds.toFixed(2)} s; its longest event-loop stall ${Math.round(run.own.longestStallMs)} ms`,
    ];
    return { row, parts, notes, verified };
  }

  const results: Row[] = [];
  const nativeResults: Row[] = [];
  const nativeParts: Row[] = [];
  const nativeNotes: string[] = [];
  let ok = true;
  for (const operation of operations) {
    for (const size of sizes) {
      const { row, verified } = await runMockBatch(operation, size);
      results.push(row);
      ok &&= verified;
    }
  }
  if (batchApi) {
    for (const size of sizes) {
      const { row, parts, notes, verified } = await runNativeBatch(batchApi, size);
      nativeResults.push(row);
      nativeParts.push(...parts);
      nativeNotes.push(...notes);
      ok &&= verified;
    }
  }
  clearTimeout(limit);
  if (results.length > 0) {
    console.table(results);
    process.stdout.write(`targets (each operation): ≥ ${targets.requestsPerSecond} requests/s end to end, RSS ≤ ${targets.rssMb} MB per process, flat from 10k to 100k lines\n`);
  }
  if (nativeResults.length > 0) {
    console.table(nativeResults);
    console.table(nativeParts);
    process.stdout.write(`targets (native): ingest ≥ ${targets.ingestLinesPerSecond} lines/s, RSS ≤ ${targets.rssMb} MB per process\n${nativeNotes.map((line) => `  ${line}\n`).join('')}`);
  }
  return ok ? 0 : 1;
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
process.exit(exitCode);
