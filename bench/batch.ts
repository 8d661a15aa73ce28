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
 * For each batch it also prints what one line cost (accounting.ts), from POST /v1/batches to
 * `completed`: Redis commands and scripts (with BullMQ's own floor for the batch's jobs, measured once
 * up front), Postgres transactions, rows and round trips, socket bytes per peer and CPU of the API and
 * worker. Postgres's counters settle only once the gateway is idle, so each batch waits 12 s after its
 * upload and after it completes; and a 1,000-line batch runs first, unreported, to load the gateway's
 * Lua scripts into the fresh Redis server (`BENCH_ACCOUNTING=0` skips the accounting, the waits and
 * that batch). Every figure goes to bench/results/batch-<timestamp>.json (see `npm run bench:compare`).
 *
 * With `BENCH_WORKERS=1,2,3` every mock batch runs once per worker count (one API process and that
 * many worker processes), and the bench prints the scaling curve: lines/s against one worker's.
 *
 *   npm run bench:batch
 *   BENCH_BATCH_SIZES=10000,100000   BENCH_BATCH_OPERATIONS=chat,embeddings,native   BENCH_SKIP_BUILD=1   BENCH_ACCOUNTING=0
 *   BENCH_WORKERS=1,2,3              worker processes per mock batch (default 1)
 *   BENCH_TIME_LIMIT_MINUTES=15      give up after this long (a 1,000,000-line batch needs more)
 *   DATABASE_URL                     the Postgres to use (default: local); the bench makes its own database there
 *   REDIS_URL                        a Redis to use (default: a redis-server of the bench's own, so the accounting counts the gateway alone)
 *   BENCH_NODE_ARGS="--max-old-space-size=192 --max-semi-space-size=16"   node flags of the gateway processes (as npm start)
 */
import { spawnSync } from 'node:child_process';
import { batchInputFile, benchOperations, isBenchOperation, type BenchOperation } from './batch-input.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openAIBatchApi } from '../src/providers/openai/native-batch/openai-shaped-batch-api.ts';
import { OpenAIBatchServer } from '../test/support/openai-batch-server.ts';
import { OwnRedisServer } from '../test/support/own-redis-server.ts';
import { costPerCall, postgresStatsSettleMs, readDatabaseCounters, takeSnapshot, type CallCost, type PeerPorts } from './accounting.ts';
import { printAccounting } from './accounting-report.ts';
import { batchFigures, type Row } from './batch-figures.ts';
import { floorPerCall, measureChunkJobFloor, type BullmqFloor } from './bullmq-floor.ts';
import { providerSubmissions, readNativeParts } from './native-batch-figures.ts';
import { describeMachineCpu, machineSnapshot } from './machine-cpu.ts';
import { freePort, killChildrenNow, rssMb, startChild, stopChild, waitUntil } from './processes.ts';
import { writeResults } from './results.ts';
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
const sharedRedisUrl = process.env.REDIS_URL;
const accounting = process.env.BENCH_ACCOUNTING !== '0';
const workerCounts = (process.env.BENCH_WORKERS ?? '1').split(',').map(Number);
const timeLimitMinutes = Number(process.env.BENCH_TIME_LIMIT_MINUTES ?? '15');
/** Lines per chunk job (`batches.chunkSize`) and the mock provider's concurrency, as configured below. */
const chunkSize = 500;
const mockConcurrency = 256;
const targets = { requestsPerSecond: 6_000, rssMb: 256, ingestLinesPerSecond: 20_000, workerScaling: { workers: 3, ratio: 1.8 } };
/** The flags `npm start` and the Dockerfile run the gateway with. */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '--max-old-space-size=192 --max-semi-space-size=16').split(' ').filter(Boolean);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const cleanups: Array<() => Promise<unknown>> = [];
process.on('exit', killChildrenNow);

/** A batch's name in the figures: `chat 10000`, or `chat 10000 x3 workers` with several worker processes. */
function batchName(operation: string, lines: number, workers: number): string {
  return workers === 1 ? `${operation} ${lines}` : `${operation} ${lines} x${workers} workers`;
}

/** Each batch run with several worker processes against the same batch with one. */
function scalingCurve(results: Row[]): Array<{ operation: string; lines: number; workers: number; rps: number; ratio: number }> {
  const single = new Map(results.filter((row) => row.workers === 1).map((row) => [`${row.operation} ${row.lines}`, Number(row['requests/s'])]));
  return results.flatMap((row) => {
    const base = single.get(`${row.operation} ${row.lines}`);
    if (row.workers === 1 || base === undefined) return [];
    const rps = Number(row['requests/s']);
    return [{ operation: String(row.operation), lines: Number(row.lines), workers: Number(row.workers), rps, ratio: rps / base }];
  });
}

/** What one batch measured. */
interface BatchRun {
  batchId: string;
  uploadSeconds: number;
  /** POST /v1/batches → completed. */
  seconds: number;
  /** Peak RSS in MiB of the gateway's processes (of the largest worker process when there are several). */
  peaks: { api: number; worker: number };
  /** This process over the same window: the native case's test server runs here. */
  own: { cpuSeconds: number; longestStallMs: number };
  /** Per line, over POST /v1/batches → completed (without BENCH_ACCOUNTING=0). */
  cost: CallCost | undefined;
  /** Where the machine's cores went over the batch (Linux). */
  machine: ReturnType<typeof describeMachineCpu> | undefined;
  verified: boolean;
  /** The results and usage rows, `OK` or what did not match. */
  rows: string;
}

async function main(): Promise<number> {
  const loadAtStart = loadavg();
  const unknown = operationNames.filter((name) => !caseNames.includes(name));
  if (workerCounts.some((count) => !Number.isInteger(count) || count < 1)) throw new Error(`BENCH_WORKERS: ${process.env.BENCH_WORKERS} is not a list of worker counts (1,2,3)`);
  if (unknown.length > 0 || (operations.length === 0 && !runsNative)) {
    throw new Error(`BENCH_BATCH_OPERATIONS: ${unknown.join(', ') || '(none)'} not known; choose from ${caseNames.join(', ')}`);
  }
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const limit = setTimeout(() => {
    log(`overall time limit (${timeLimitMinutes} min, BENCH_TIME_LIMIT_MINUTES) reached; giving up`);
    killChildrenNow();
    process.exit(3);
  }, timeLimitMinutes * 60_000);

  const database = await createScratchDatabase(databaseUrl, 'bench_batch');
  cleanups.push(database.drop);
  const url = new URL(database.url);
  // A Redis server of our own unless REDIS_URL names one: the accounting's commandstats then count the gateway alone.
  const ownRedis = sharedRedisUrl === undefined ? await OwnRedisServer.start() : undefined;
  if (ownRedis) cleanups.push(() => ownRedis.stop());
  const redisUrl = ownRedis?.url ?? sharedRedisUrl ?? '';
  const prefix = `benchbatch${randomBytes(3).toString('hex')}`;
  cleanups.push(() => deleteRedisPrefix(redisUrl, prefix));
  const accountingRedis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  cleanups.push(async () => accountingRedis.disconnect());
  let floor: BullmqFloor | undefined;
  if (accounting && operations.length > 0) {
    log("BullMQ floor: 1,000 empty chunk jobs through a Queue and Worker of the gateway's options");
    // The chunk worker's concurrency as src/batches/batch-workers.ts sets it.
    floor = await measureChunkJobFloor({ redisUrl, prefix, jobs: 1_000, concurrency: Math.max(2, Math.ceil(mockConcurrency / chunkSize) + 1) });
  }
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
      `  mock: { type: mock, latencyMs: 0, concurrency: ${mockConcurrency}, maxAttempts: 1 }`,
      ...(batchApi
        ? [`  ${native.provider}: { type: openai, baseUrl: ${JSON.stringify(batchApi.baseUrl)}, apiKey: ${native.apiKey}, nativeBatch: { enabled: true, pollIntervalMs: ${native.pollIntervalMs} } }`]
        : []),
      'models:',
      ...operations.map((operation) => `  ${benchOperations[operation].model}: { routes: [{ provider: mock, model: ${benchOperations[operation].mockModel} }] }`),
      ...(batchApi ? [`  ${native.model}: { routes: [{ provider: ${native.provider}, model: ${native.model} }] }`] : []),
      'files: { maxLines: 1000000 }',
      `batches: { chunkSize: ${chunkSize} }`,
      '',
    ].join('\n'),
  );
  const adminKey = randomBytes(18).toString('hex');
  const entry = join(root, 'dist/main.js');
  const sql = new pg.Pool({ connectionString: url.toString(), max: 2 });
  cleanups.push(() => sql.end());

  /** Fresh API and worker processes per batch, so each batch's peak RSS is its own. */
  async function startGateway(workers: number) {
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
    const workerProcesses = Array.from({ length: workers }, (_, index) =>
      startChild(workers === 1 ? 'worker' : `worker ${index + 1}`, process.execPath, [...nodeArgs, entry], { env: { ...environment, GATEWAY_ROLE: 'worker' }, cwd: root }),
    );
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('gateway', async () => (await fetch(`${base}/readyz`)).ok, 60_000);
    await sleep(1000); // the worker process migrates and starts too
    const keyResponse = await fetch(`${base}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', project: 'bench' }),
    });
    const { key } = (await keyResponse.json()) as { key: string };
    return { api, workers: workerProcesses, port, base, headers: { authorization: `Bearer ${key}` } };
  }

  /** One batch of `size` lines of `operation` (for `model`, its bench model unless said) on fresh processes: its figures, and whether every line has its rows. */
  async function runBatch(operation: BenchOperation, size: number, options: { label: string; model?: string; measure?: boolean; workers?: number }): Promise<BatchRun> {
    const { endpoint } = benchOperations[operation];
    const { api, workers, port, base, headers } = await startGateway(options.workers ?? 1);
    const processes = { API: api.pid, ...Object.fromEntries(workers.map((worker, index) => [workers.length === 1 ? 'worker' : `worker ${index + 1}`, worker.pid])) };
    const ports: PeerPorts = {
      listener: port,
      redis: Number(new URL(redisUrl).port || 6379),
      postgres: Number(url.port || 5432),
      ...(batchApi ? { upstream: Number(new URL(batchApi.baseUrl).port) } : {}),
    };
    const workersRss = () => Math.max(...workers.map((worker) => rssMb(worker.pid)));
    const peaks = { api: rssMb(api.pid), worker: workersRss() };
    const sampler = setInterval(() => {
      peaks.api = Math.max(peaks.api, rssMb(api.pid));
      peaks.worker = Math.max(peaks.worker, workersRss());
    }, 50);
    const form = new FormData();
    form.set('purpose', 'batch');
    form.set('file', batchInputFile(size, operation, options.model), `bench-${operation}-${size}.jsonl`);
    const uploadStart = performance.now();
    const upload = await fetch(`${base}/v1/files`, { method: 'POST', headers, body: form });
    if (!upload.ok) throw new Error(`upload failed: ${upload.status} ${await upload.text()}`);
    const file = (await upload.json()) as { id: string };
    const uploadSeconds = (performance.now() - uploadStart) / 1000;
    // Postgres's counters are complete only once the gateway has been idle a while (see accounting.ts).
    const databaseName = url.pathname.slice(1);
    const settledDatabaseCounters = async () => {
      await sleep(postgresStatsSettleMs);
      return readDatabaseCounters(databaseUrl, databaseName);
    };
    const measure = accounting && options.measure !== false;
    const databaseBefore = measure ? await settledDatabaseCounters() : undefined;
    const snapshotBefore = measure ? await takeSnapshot(accountingRedis, processes, ports) : undefined;

    const machineGroups = () => ({ API: [api.pid], workers: workers.map((worker) => worker.pid) });
    const machineBefore = machineSnapshot(machineGroups());
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
    const machineAfter = machineSnapshot(machineGroups());
    ownLoop.disable();
    const { user, system } = process.cpuUsage(ownCpu);
    clearInterval(sampler);
    const snapshotAfter = snapshotBefore ? await takeSnapshot(accountingRedis, processes, ports) : undefined;
    const databaseAfter = databaseBefore ? await settledDatabaseCounters() : undefined;
    const cost =
      snapshotBefore && snapshotAfter && databaseBefore && databaseAfter
        ? costPerCall({ label: options.label, calls: size, before: snapshotBefore, after: snapshotAfter, database: { before: databaseBefore, after: databaseAfter, calls: size } })
        : undefined;
    const { rows } = await sql.query(
      "SELECT (SELECT count(*)::int FROM requests WHERE batch_id = $1 AND status = 'completed') AS results, (SELECT count(*)::int FROM usage WHERE batch_id = $1) AS usage",
      [batch.id],
    );
    const verified = status === 'completed' && counts.completed === size && rows[0].results === size && rows[0].usage === size;
    await Promise.all([stopChild(api), ...workers.map((worker) => stopChild(worker))]);
    return {
      batchId: batch.id,
      uploadSeconds,
      seconds,
      peaks,
      own: { cpuSeconds: (user + system) / 1e6, longestStallMs: ownLoop.max / 1e6 },
      cost,
      machine: machineBefore && machineAfter ? describeMachineCpu(machineBefore, machineAfter, seconds) : undefined,
      verified,
      rows: verified ? `${rows[0].results}+${rows[0].usage} OK` : `MISMATCH ${status} ${JSON.stringify(counts)} ${JSON.stringify(rows[0])}`,
    };
  }

  /** A batch on the mock provider: one row of the table. */
  async function runMockBatch(operation: BenchOperation, size: number, workers: number): Promise<{ row: Row; cost: CallCost | undefined; verified: boolean; machine: string | undefined }> {
    log(`${operation}: ${size.toLocaleString('en-US')} lines${workers === 1 ? '' : `, ${workers} worker processes`}`);
    const run = await runBatch(operation, size, { label: batchName(operation, size, workers), workers });
    // BullMQ's floor per line: the batch's chunk jobs and its start and finalize jobs, at the calibrated cost per job.
    const jobs = Math.ceil(size / chunkSize) + 2;
    const cost = run.cost && floor ? { ...run.cost, bullmqFloor: floorPerCall(floor, jobs / size) } : run.cost;
    const row = {
      operation,
      lines: size,
      workers,
      'upload s': run.uploadSeconds.toFixed(2),
      'e2e s': run.seconds.toFixed(2),
      'requests/s': Math.round(size / run.seconds),
      'API peak RSS MB': Math.round(run.peaks.api),
      'worker peak RSS MB': Math.round(run.peaks.worker),
      'results+usage rows': run.rows,
    };
    return { row, cost, verified: run.verified, machine: run.machine ? `${batchName(operation, size, workers)}: ${run.machine.text}` : undefined };
  }

  /** A batch through the provider's batch API: a row, a row per provider batch, the targets met or not, and whether every line was sent once and has its rows. */
  async function runNativeBatch(server: OpenAIBatchServer, size: number): Promise<{ row: Row; parts: Row[]; notes: string[]; own: BatchRun['own']; cost: CallCost | undefined; verified: boolean }> {
    log(`${nativeCase}: ${size.toLocaleString('en-US')} lines to ${native.provider}'s batch API`);
    const createsBefore = server.creates;
    const run = await runBatch('chat', size, { label: `${nativeCase} ${size}`, model: native.model });
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
    return { row, parts, notes, own: run.own, cost: run.cost, verified };
  }

  const results: Row[] = [];
  const nativeResults: Row[] = [];
  const nativeParts: Row[] = [];
  const nativeNotes: string[] = [];
  const nativeOwn: Array<BatchRun['own'] & { lines: number }> = [];
  const costs: CallCost[] = [];
  const machineLines: string[] = [];
  let ok = true;
  if (accounting) {
    // The gateway's Lua scripts reach a fresh Redis server on first use (NOSCRIPT, then EVAL with the
    // script's source): a small batch first, not reported, so the first measured batch does not pay for it.
    const [operation = 'chat'] = operations;
    log(`warm-up: 1,000 ${operation} lines (scripts into the fresh Redis server; not reported)`);
    const warmup = await runBatch(operation, 1_000, { label: 'warm-up', ...(operations.length === 0 ? { model: native.model } : {}), measure: false });
    ok &&= warmup.verified;
  }
  for (const operation of operations) {
    for (const size of sizes) {
      for (const workers of workerCounts) {
        const { row, cost, verified, machine } = await runMockBatch(operation, size, workers);
        results.push(row);
        if (machine) machineLines.push(machine);
        if (cost) costs.push(cost);
        ok &&= verified;
      }
    }
  }
  if (batchApi) {
    for (const size of sizes) {
      const { row, parts, notes, own, cost, verified } = await runNativeBatch(batchApi, size);
      nativeResults.push(row);
      nativeParts.push(...parts);
      nativeNotes.push(...notes);
      nativeOwn.push({ ...own, lines: size });
      if (cost) costs.push(cost);
      ok &&= verified;
    }
  }
  clearTimeout(limit);
  if (results.length > 0) {
    console.table(results);
    process.stdout.write(`targets (each operation): ≥ ${targets.requestsPerSecond} requests/s end to end, RSS ≤ ${targets.rssMb} MB per process, flat from 10k to 1M lines\n`);
    const curve = scalingCurve(results);
    if (curve.length > 0) {
      process.stdout.write(`worker scaling (lines/s against 1 worker process; target ${targets.workerScaling.workers} workers ≥ ${targets.workerScaling.ratio}×):\n`);
      for (const point of curve)
        process.stdout.write(`  ${point.operation} ${point.lines.toLocaleString('en-US')} lines, ${point.workers} workers: ${point.rps} lines/s = ${point.ratio.toFixed(2)}×\n`);
    }
    if (machineLines.length > 0) process.stdout.write(`where the cores went, POST /v1/batches → completed:\n${machineLines.map((line) => `  ${line}\n`).join('')}`);
  }
  if (nativeResults.length > 0) {
    console.table(nativeResults);
    console.table(nativeParts);
    process.stdout.write(`targets (native): ingest ≥ ${targets.ingestLinesPerSecond} lines/s, RSS ≤ ${targets.rssMb} MB per process\n${nativeNotes.map((line) => `  ${line}\n`).join('')}`);
  }
  if (costs.length > 0) {
    printAccounting(costs, {
      unit: 'batch line',
      title: 'Cost per batch line, from POST /v1/batches to completed (API and worker processes; the upload is not counted)',
      floorNote: floor ? `${floor.description}; per line: the batch's chunk jobs (${chunkSize} lines each) and its start and finalize jobs` : 'not measured (native only)',
      postgresNote: `Read ${postgresStatsSettleMs / 1000} s after the upload and ${postgresStatsSettleMs / 1000} s after completed, once the gateway was idle; the bench's polls (GET every 100 ms) count too.`,
      redisShared: ownRedis === undefined,
    });
  }
  const figures = batchFigures({ results, nativeResults, nativeParts, nativeOwn, costs, floor, targets });
  const settings = { sizes: sizes.join(','), operations: operationNames.join(','), accounting, redis: ownRedis ? 'own redis-server' : 'REDIS_URL', nodeArgs: nodeArgs.join(' ') };
  const path = await writeResults({ bench: 'batch', settings, figures, checksPassed: ok, loadAverageAtStart: loadAtStart });
  process.stdout.write(`figures written to ${path}\n`);
  return ok ? 0 : 1;
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
process.exit(exitCode);
