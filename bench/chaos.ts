/**
 * Chaos benchmark: the same batch twice against the gateway from the build (one API and two worker
 * processes, the built-in 0 ms mock provider, a Postgres cluster and a redis-server of the benchmark's
 * own): first without faults, then with three faults at fixed points of progress — at 25 % of lines
 * done a worker is killed with SIGKILL (and started again), at 50 % Redis is emptied with FLUSHDB, at
 * 75 % Postgres restarts (fast shutdown, then start). Each run is measured from `POST /v1/batches` to
 * `completed` and then checked line by line (test/support/batch-ledger.ts): lines lost, billed twice,
 * in the output files twice, against 0 / 0 / 0 and a chaos / fault-free time ratio ≤ 1.5×. Exits 1 when
 * a correctness figure is not 0, a fault was not injected or a run did not complete (15 min each); a
 * missed time ratio is only reported.
 *
 *   npm run bench:chaos
 *   BENCH_CHAOS_LINES=100000   lines of the batch
 *   BENCH_SKIP_BUILD=1         reuse dist/ as it is
 */
import { spawnSync } from 'node:child_process';
import { batchInputFile } from './batch-input.ts';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { batchLedger } from '../test/support/batch-ledger.ts';
import { OwnPostgresCluster } from '../test/support/own-postgres-cluster.ts';
import { OwnRedisServer } from '../test/support/own-redis-server.ts';
import { createBatch, downloadFile, readBatch, startChaosGateway, uploadBatchFile, type BatchCounts } from './chaos-gateway.ts';
import { printRun, printVerdict, type InjectedFault, type RunResult } from './chaos-report.ts';
import { killChildrenNow } from './processes.ts';

const root = resolve(import.meta.dirname, '..');
const lineCount = Number(process.env.BENCH_CHAOS_LINES ?? 100_000);
/** Per run, from `POST /v1/batches`. */
const runTimeLimitMs = 15 * 60_000;
/** The flags `npm start` and the Dockerfile run the gateway with. */
const nodeArgs = ['--max-old-space-size=192', '--max-semi-space-size=16'];
/** A killed worker's jobs come back once their lock expires; a lost Redis is noticed within the check interval. */
const durability = { jobLockMs: 5_000, redisCheckIntervalMs: 500 };
const provider = { type: 'mock', latencyMs: 0, concurrency: 256 };
/** Points of progress timed in both runs (the chaos run's faults fire at them), so segments compare. */
const milestoneFractions = [0.25, 0.5, 0.75];
const finalStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const cleanups: Array<() => Promise<unknown>> = [];
/** Synchronous last resort on exit: the Postgres cluster runs detached, redis-server outside our group. */
const servicesLeft = { postgresData: '', redisPort: 0 };
process.on('exit', () => {
  killChildrenNow();
  if (servicesLeft.postgresData) {
    const stop = ['pg_ctl', '-D', servicesLeft.postgresData, '-m', 'immediate', '-w', 'stop'];
    const [command, ...args] = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', ...stop] : stop;
    spawnSync(command!, args, { stdio: 'ignore', timeout: 20_000 });
    rmSync(dirname(servicesLeft.postgresData), { recursive: true, force: true });
  }
  if (servicesLeft.redisPort) spawnSync('redis-cli', ['-p', String(servicesLeft.redisPort), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 10_000 });
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    killChildrenNow();
    void runCleanups().finally(() => process.exit(130));
  });
}

async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
}

interface Fault {
  name: string;
  fraction: number;
  inject(): Promise<void>;
}

interface Services {
  postgres: OwnPostgresCluster;
  redis: OwnRedisServer;
  configPath: string;
  adminKey: string;
  input: Blob;
}

/** One run on a fresh database and Redis prefix: upload, submit, poll to a final status, inject `faults` on the way, read the ledger. */
async function runBatch(label: string, services: Services, faultsOf: (gateway: { killAndRestartWorker(): Promise<void> }) => Fault[]): Promise<RunResult> {
  const suffix = randomBytes(3).toString('hex');
  const databaseUrl = await services.postgres.createDatabase(`chaos_${label.replace(/\W/g, '')}_${suffix}`);
  const gateway = await startChaosGateway({
    root,
    entry: join(root, 'dist/main.js'),
    nodeArgs,
    adminKey: services.adminKey,
    label,
    environment: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: services.redis.url,
      REDIS_PREFIX: `chaos${suffix}`,
      GATEWAY_CONFIG: services.configPath,
      GATEWAY_ADMIN_KEY: services.adminKey,
    },
  });
  try {
    const pending = faultsOf(gateway);
    const loadAverage = loadavg()[0]!;
    const { fileId, seconds: uploadSeconds } = await uploadBatchFile(gateway, services.input);
    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    const batchId = await createBatch(gateway, fileId);
    log(`${label}: batch ${batchId} of ${lineCount} lines submitted (upload took ${uploadSeconds.toFixed(1)} s)`);

    const faults: InjectedFault[] = [];
    const milestones: number[] = [];
    let status = 'in_progress';
    let counts: BatchCounts = { total: lineCount, completed: 0, failed: 0 };
    let unavailablePolls = 0;
    let outageSince: number | undefined;
    for (;;) {
      if (elapsed() * 1000 > runTimeLimitMs) {
        status = `timed out (${runTimeLimitMs / 60_000} min; last seen ${status})`;
        log(`${label}: ${status} at ${JSON.stringify(counts)}`);
        break;
      }
      await sleep(100);
      const current = await readBatch(gateway, batchId);
      if ('unavailable' in current) {
        unavailablePolls += 1;
        if (outageSince === undefined) {
          outageSince = elapsed();
          log(`${label}: poll unanswered at ${outageSince.toFixed(1)} s (${current.unavailable}); polling on`);
        }
        continue;
      }
      if (outageSince !== undefined) {
        log(`${label}: polls answered again at ${elapsed().toFixed(1)} s`);
        outageSince = undefined;
      }
      ({ status, counts } = current);
      if (finalStatuses.has(status)) break;
      const done = counts.completed + counts.failed;
      while (milestones.length < milestoneFractions.length && done >= milestoneFractions[milestones.length]! * counts.total) milestones.push(elapsed());
      const next = pending[0];
      if (next && counts.total > 0 && done >= next.fraction * counts.total) {
        pending.shift();
        const atSeconds = elapsed();
        log(`${label}: ${next.name} at ${done}/${counts.total} lines done, ${atSeconds.toFixed(1)} s into the run`);
        await next.inject();
        faults.push({ name: next.name, fraction: next.fraction, doneAt: done, atSeconds, tookSeconds: elapsed() - atSeconds });
      }
    }
    const seconds = elapsed();
    if (pending.length > 0) log(`${label}: the batch ended before these faults fired: ${pending.map((fault) => fault.name).join(', ')}`);
    log(`${label}: ${status} after ${seconds.toFixed(1)} s: ${JSON.stringify(counts)}`);

    let ledger;
    if (status === 'completed') {
      const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      try {
        ledger = await batchLedger({ sql, batchId, download: (id) => downloadFile(gateway, id) });
      } finally {
        await sql.end();
      }
    }
    return { label, status, counts, uploadSeconds, seconds, milestones, loadAverage, faults, missedFaults: pending.map((fault) => fault.name), unavailablePolls, ledger, logs: gateway.logs };
  } finally {
    const exits = await gateway.stop();
    log(
      `${label}: gateway processes stopped (SIGTERM), exit codes: ${Object.entries(exits)
        .map(([name, code]) => `${name} ${code}`)
        .join(', ')}`,
    );
  }
}

async function main(): Promise<number> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  if (!Number.isInteger(lineCount) || lineCount < 100) throw new Error(`BENCH_CHAOS_LINES must be an integer ≥ 100 (got ${process.env.BENCH_CHAOS_LINES})`);

  const postgres = await OwnPostgresCluster.start();
  servicesLeft.postgresData = postgres.dataDirectory;
  cleanups.push(async () => {
    await postgres.stop();
    servicesLeft.postgresData = '';
  });
  const redis = await OwnRedisServer.start();
  servicesLeft.redisPort = redis.port;
  cleanups.push(async () => {
    await redis.stop();
    servicesLeft.redisPort = 0;
  });
  const directory = await mkdtemp(join(tmpdir(), 'bench-chaos-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const configPath = join(directory, 'gateway.json');
  const config = {
    providers: { mock: provider },
    models: { 'bench-model': { routes: [{ provider: 'mock', model: 'classifier' }], pricing: { inputPerMillion: '1', outputPerMillion: '2' } } },
    durability,
  };
  await writeFile(configPath, JSON.stringify(config, null, 2)); // JSON is YAML
  const services: Services = { postgres, redis, configPath, adminKey: randomBytes(18).toString('hex'), input: batchInputFile(lineCount) };
  process.stdout.write(
    [
      `Chaos benchmark: ${lineCount} lines per run, 1 API + 2 worker processes from dist/ (node ${nodeArgs.join(' ')}),`,
      `Postgres (port ${postgres.port}) and redis-server (port ${redis.port}) of its own; mock provider latencyMs ${provider.latencyMs}, concurrency ${provider.concurrency};`,
      `batches.chunkSize default; settings used: durability.jobLockMs ${durability.jobLockMs}, durability.redisCheckIntervalMs ${durability.redisCheckIntervalMs}`,
      '',
    ].join('\n'),
  );

  const faultFree = await runBatch('fault-free', services, () => []);
  printRun(faultFree);
  if (faultFree.status !== 'completed') {
    log('the fault-free run did not complete: no chaos run to compare');
    printVerdict(faultFree, undefined);
    return 1;
  }
  const chaos = await runBatch('chaos', services, (gateway) => [
    { name: 'SIGKILL of worker-1 (started again)', fraction: 0.25, inject: () => gateway.killAndRestartWorker() },
    { name: 'Redis FLUSHDB', fraction: 0.5, inject: () => redis.flush() },
    { name: 'Postgres restart (fast)', fraction: 0.75, inject: () => postgres.restart() },
  ]);
  printRun(chaos);
  return printVerdict(faultFree, chaos) && chaos.missedFaults.length === 0 ? 0 : 1;
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
await runCleanups();
process.exit(exitCode);
