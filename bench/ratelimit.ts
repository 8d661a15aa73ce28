/**
 * Rate-limit benchmark: three worker processes and one API process (from the compiled build) share a
 * provider limited to BENCH_RPM requests per minute, against a strict mock provider in its own process
 * that answers 429 to anything beyond its own sliding 60 s window. A backlog of async jobs larger than
 * the run's allowance keeps the limit saturated for BENCH_SECONDS; then it prints how full every 60 s
 * window inside the run was kept (share of the limit) and the 429s the provider sent.
 *
 *   npm run bench:ratelimit
 *   BENCH_RPM=600  BENCH_SECONDS=65  BENCH_WORKERS=3  BENCH_LATENCY_MS=100 (mock answers in 0..this)
 *   BENCH_SKIP_BUILD=1   DATABASE_URL / REDIS_URL
 * Targets: ≥ 97 % of the limit used in every window on average, 0 over-limit 429s.
 */
import { spawnSync } from 'node:child_process';
import { createScratchDatabase, deleteRedisPrefix } from './scratch-services.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { windowShares } from '../test/support/strict-rate-limit.ts';
import { freePort, killChildrenNow, startChild, stopChild, waitUntil, type Child } from './processes.ts';

const root = resolve(import.meta.dirname, '..');
const rpm = Number(process.env.BENCH_RPM ?? 600);
const seconds = Number(process.env.BENCH_SECONDS ?? 65);
const workerCount = Number(process.env.BENCH_WORKERS ?? 3);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);
const windowMs = 60_000;
/** More than the run can send: a sliding window lets at most `rpm` through per started minute. */
const backlog = Number(process.env.BENCH_BACKLOG ?? rpm * (Math.ceil((seconds * 1000) / windowMs) + 1));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '--max-old-space-size=192').split(' ').filter(Boolean);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const cleanups: Array<() => Promise<unknown>> = [];
process.on('exit', killChildrenNow);

interface MockStats {
  accepted: number[];
  rejected: number;
  byWorker: Record<string, number>;
}

async function temporaryDatabase(): Promise<string> {
  const database = await createScratchDatabase(databaseUrl, 'bench_ratelimit');
  cleanups.push(database.drop);
  return database.url;
}

function temporaryPrefix(): string {
  const prefix = `benchrl${randomBytes(3).toString('hex')}`;
  cleanups.push(() => deleteRedisPrefix(redisUrl, prefix));
  return prefix;
}

async function main(): Promise<number> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const overall = setTimeout(
    () => {
      log('overall time limit reached; giving up');
      killChildrenNow();
      process.exit(3);
    },
    (seconds + 180) * 1000,
  );

  const children: Child[] = [];
  const mock = startChild('mock', process.execPath, ['--import', 'tsx', join(root, 'bench/ratelimit-mock-server.ts')], {
    cwd: root,
    env: { ...process.env, MOCK_RPM: String(rpm), MOCK_WINDOW_MS: String(windowMs), MOCK_MAX_DELAY_MS: String(latencyMs) },
  });
  children.push(mock);
  const mockUrl = (await mock.waitForLine(/^MOCK_URL=(\S+)$/, 30_000))[1] ?? '';
  const mockStats = async () => (await (await fetch(`${mockUrl.replace(/\/v1$/, '')}/stats`)).json()) as MockStats;

  const directory = await mkdtemp(join(tmpdir(), 'bench-ratelimit-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const configPath = join(directory, 'gateway.yaml');
  const provider = { type: 'openai', baseUrl: mockUrl, apiKey: 'sk-bench', concurrency: 64, rpm, timeoutMs: 30_000, maxAttempts: 3, headers: { 'x-worker': '${WORKER_NAME:-api}' } };
  await writeFile(configPath, JSON.stringify({ providers: { limited: provider }, models: { 'bench-model': { routes: [{ provider: 'limited', model: 'gpt-4o-mini' }] } } }));

  const port = await freePort();
  const adminKey = randomBytes(18).toString('hex');
  const environment = {
    ...process.env,
    DATABASE_URL: await temporaryDatabase(),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: temporaryPrefix(),
    GATEWAY_CONFIG: configPath,
    GATEWAY_ADMIN_KEY: adminKey,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  // Pushed last, so it runs first: the processes stop before their database and keys go. SIGTERM, then
  // SIGKILL after 5 s (workers hold backlog jobs waiting for the next window; a killed worker's slots expire).
  cleanups.push(() => Promise.all(children.map((child) => stopChild(child, 5_000))));
  const entry = join(root, 'dist/main.js');
  children.push(startChild('api', process.execPath, [...nodeArgs, entry], { env: { ...environment, GATEWAY_ROLE: 'api' }, cwd: root }));
  for (let index = 1; index <= workerCount; index += 1) {
    const env = { ...environment, GATEWAY_ROLE: 'worker', WORKER_NAME: `worker-${index}`, LOG_LEVEL: 'info' };
    const worker = startChild(`worker-${index}`, process.execPath, [...nodeArgs, entry], { env, cwd: root, echoLines: 0 });
    children.push(worker);
  }
  const base = `http://127.0.0.1:${port}`;
  await waitUntil('api', async () => (await fetch(`${base}/readyz`)).ok, 60_000);
  await Promise.all(children.filter((child) => child.name.startsWith('worker-')).map((worker) => worker.waitForLine(/provider workers started/, 60_000)));
  const keyResponse = await fetch(`${base}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', project: 'bench' }),
  });
  const { key } = (await keyResponse.json()) as { key: string };

  log(`submitting ${backlog} async jobs (limit ${rpm} rpm, ${workerCount} worker processes, run ${seconds} s)`);
  let submitted = 0;
  const submitting = Promise.all(
    Array.from({ length: 16 }, async () => {
      while (submitted < backlog) {
        submitted += 1;
        const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: `job ${submitted}` }] });
        const response = await fetch(`${base}/v1/async/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
        if (response.status !== 202) throw new Error(`submit: HTTP ${response.status} ${await response.text()}`);
      }
    }),
  );
  let first = 0;
  await waitUntil('first call at the provider', async () => (first = (await mockStats()).accepted[0] ?? 0) > 0, 30_000, 20);
  await submitting;
  log(`all submitted ${((Date.now() - first) / 1000).toFixed(1)} s after the first call; measuring until ${seconds} s`);
  await sleep(Math.max(0, first + seconds * 1000 - Date.now()));
  const stats = await mockStats();
  clearTimeout(overall);

  const measured = stats.accepted.filter((at) => at < first + seconds * 1000);
  // Windows wholly inside the run: starts from the first call to the run's end minus a window.
  const shares = windowShares(measured, { limit: rpm, windowMs, stepMs: 100, from: first, to: first + seconds * 1000 });
  const firstMinute = measured.filter((at) => at < first + windowMs).length;
  const rows = {
    'limit (rpm)': rpm,
    'worker processes': workerCount,
    'backlog (async jobs)': backlog,
    'run (s)': seconds,
    'accepted by the provider in the run': measured.length,
    '60 s windows measured (100 ms steps)': shares.windows,
    'share of the limit per 60 s window, mean': `${(shares.mean * 100).toFixed(2)} %`,
    'share of the limit per 60 s window, min … max': `${(shares.min * 100).toFixed(2)} % … ${(shares.max * 100).toFixed(2)} %`,
    'first minute': `${firstMinute} (${((firstMinute / rpm) * 100).toFixed(2)} %)`,
    '429s from the provider': stats.rejected,
    'calls per worker process': Object.entries(stats.byWorker)
      .sort()
      .map(([name, count]) => `${name} ${count}`)
      .join(', '),
  };
  console.table(rows);
  const ok = stats.rejected === 0 && shares.mean >= 0.97 && shares.max <= 1;
  process.stdout.write(`targets: ≥ 97 % of the limit used per window, 0 429s — ${ok ? 'met' : 'NOT met'}\n`);
  return ok ? 0 : 1;
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
process.exit(exitCode);
