/**
 * Sync chat benchmark: a 0 ms OpenAI-wire mock (own process), a whole gateway from the compiled build
 * (own process), then autocannon at c=50 and a sequential c=1 loop against both; prints throughput,
 * latency and the gateway's overhead against the targets. Then streams at c=1 (time to first byte,
 * direct and through the gateway), the same streams in Anthropic's Messages and OpenAI's Responses
 * formats (first content event at c=1, then streamed RPS at c=50 for all three formats), and
 * response-cache hits (c=50 and c=1, on a second model with the cache on), and checks that every 2xx
 * the gateway gave was billed exactly once (usage rows = 2xx responses) and every cache hit was
 * recorded as one (cache_hit rows = HIT responses). For the c=50 phase it also prints what one request
 * cost (accounting.ts): Redis commands and scripts (with BullMQ's own floor, measured once up front),
 * Postgres transactions, rows and round trips, socket bytes per peer and CPU. Writes every figure to
 * bench/results/sync-<timestamp>.json (see `npm run bench:compare`).
 *
 *   npm run bench:sync
 *   BENCH_DURATION=20 BENCH_C1_DURATION=5 BENCH_WARMUP=3 BENCH_CONNECTIONS=50
 *   BENCH_STREAM_REQUESTS=500               streamed calls timed per target (after 100 warm-up ones)
 *   BENCH_FORMATS=0                         skip the Messages/Responses streams and the streamed RPS phases
 *   BENCH_SKIP_BUILD=1                      reuse dist/ as it is
 *   BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   node flags for the gateway
 *   BENCH_GATEWAY_ENTRY=/path/to/other/dist/main.js   another build, for A/B comparisons
 *   BENCH_ROLES=split                       the API and a worker as two processes (default: one process, role all);
 *                                           CPU per request is then given per process (the streamed formats' and
 *                                           cache phases' CPU figures are the API's alone)
 *   DATABASE_URL                            the Postgres to use (default: local); the bench makes its own database there
 *   REDIS_URL                               a Redis to use (default: a redis-server of the bench's own, so the accounting counts the gateway alone)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { OwnRedisServer } from '../test/support/own-redis-server.ts';
import { costPerCall, postgresStatsSettleMs, readDatabaseCounters, takeSnapshot, type PeerPorts } from './accounting.ts';
import { printAccounting } from './accounting-report.ts';
import { floorPerCall, measureRequestJobFloor } from './bullmq-floor.ts';
import { cacheProblems, runCacheBench } from './cache-hits.ts';
import { runFormatStreams, type FormatStreamsResult } from './format-streams.ts';
import { runAutocannon, runSequential, type PhaseResult, type Target } from './load.ts';
import { describeServerTimingParts, ServerTimingParts } from './server-timing-parts.ts';
import { describeMachineCpu, machineSnapshot } from './machine-cpu.ts';
import { printCacheReport, printFormatStreamsReport, printRecordChecks, printReport, printStreamReport } from './report.ts';
import { freePort, processCounters, killChildrenNow, startChild, stopChild, waitUntil } from './processes.ts';
import { readRecordCounts } from './record-checks.ts';
import { writeResults } from './results.ts';
import { deleteRedisPrefix } from './scratch-services.ts';
import { chatFormat } from './stream-formats.ts';
import { runStreamSequential } from './stream-ttfb.ts';
import { syncFigures } from './sync-figures.ts';

const root = resolve(import.meta.dirname, '..');
const numberEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const duration = numberEnv('BENCH_DURATION', 10);
const c1Duration = numberEnv('BENCH_C1_DURATION', 5);
const warmup = numberEnv('BENCH_WARMUP', 3);
const connections = numberEnv('BENCH_CONNECTIONS', 50);
const streamRequests = Math.round(numberEnv('BENCH_STREAM_REQUESTS', 500));
const streamWarmup = Math.min(100, streamRequests);
const formatStreams = process.env.BENCH_FORMATS !== '0';
const split = process.env.BENCH_ROLES === 'split';
if (process.env.BENCH_ROLES !== undefined && !['all', 'split'].includes(process.env.BENCH_ROLES)) throw new Error(`BENCH_ROLES: ${process.env.BENCH_ROLES} is neither all nor split`);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sharedRedisUrl = process.env.REDIS_URL;
/** The bench provider's concurrency: its BullMQ worker's too. */
const providerConcurrency = 200;
/** Empty jobs through BullMQ alone, for the floor the accounting compares the gateway's Redis commands with. */
const floorJobs = 2_000;
const upstreamModel = 'gpt-4o-mini';
const chatBody = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'classify: hello' }] });

const cleanups: Array<{ label: string; run: () => Promise<unknown> }> = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step.run().catch((error: unknown) => process.stderr.write(`cleanup (${step.label}) failed: ${String(error)}\n`));
    }
  })());
}
process.on('exit', killChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  });
}
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<number> {
  const loadAtStart = loadavg();
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
    if (build.status !== 0) throw new Error(`npm run build failed (${build.status ?? build.signal ?? build.error?.message})`);
  }
  // Everything below is bounded: if some wait were to hang anyway, give up, clean up and fail.
  // Streams: 100 ms a call is ten times what a loaded 2-core machine takes. Record checks: 30 s.
  // The formats: two more streaming phases at c=1 and three more load phases.
  const streamSeconds = (formatStreams ? 4 : 2) * (streamWarmup + streamRequests) * 0.1;
  const loadPhases = formatStreams ? 6 : 3;
  const limitMs = (loadPhases * (warmup + duration + 35) + 3 * (c1Duration + 1) + streamSeconds + 30 + 180) * 1000;
  // Not unref'd: a wait that hangs with nothing else pending must still end here, cleaned up.
  setTimeout(() => {
    log(`overall time limit (${Math.round(limitMs / 1000)} s) reached; giving up`);
    void cleanup().finally(() => process.exit(3));
  }, limitMs);

  // The upstream, in its own process.
  const mock = startChild('mock', process.execPath, ['--import', 'tsx', join(root, 'bench/openai-mock-server.ts')], { cwd: root });
  cleanups.push({ label: 'stop mock', run: () => stopChild(mock) });
  const mockUrl = (await mock.waitForLine(/^MOCK_URL=(\S+)$/, 30_000))[1] ?? '';

  // A database, a Redis prefix and a config of our own.
  const databaseName = `bench_sync_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${databaseName}"`);
  cleanups.push({ label: 'drop database', run: () => adminQuery(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`) });
  const gatewayDatabaseUrl = new URL(databaseUrl);
  gatewayDatabaseUrl.pathname = `/${databaseName}`;
  // A Redis server of our own unless REDIS_URL names one: the accounting's commandstats then count the gateway alone.
  const ownRedis = sharedRedisUrl === undefined ? await OwnRedisServer.start() : undefined;
  if (ownRedis) cleanups.push({ label: 'stop redis-server', run: () => ownRedis.stop() });
  const redisUrl = ownRedis?.url ?? sharedRedisUrl ?? '';
  const prefix = `bench_sync_${process.pid}_${randomBytes(3).toString('hex')}`;
  cleanups.push({ label: 'delete redis keys', run: () => deleteRedisPrefix(redisUrl, prefix) });
  const accountingRedis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  cleanups.push({ label: 'close accounting redis', run: async () => accountingRedis.disconnect() });
  log(`BullMQ floor: ${floorJobs} empty jobs through a Queue and Worker of the gateway's options`);
  const floor = await measureRequestJobFloor({ redisUrl, prefix, jobs: floorJobs, inFlight: connections, concurrency: providerConcurrency });
  const configDirectory = await mkdtemp(join(tmpdir(), 'bench-sync-'));
  cleanups.push({ label: 'remove config', run: () => rm(configDirectory, { recursive: true, force: true }) });
  const configPath = join(configDirectory, 'gateway.yaml');
  await writeFile(
    configPath,
    [
      'server:',
      '  requestTimeoutMs: 30000',
      'providers:',
      '  upstream:',
      '    type: openai',
      `    baseUrl: "${mockUrl}"`,
      '    apiKey: sk-bench',
      `    concurrency: ${providerConcurrency}`,
      '    maxAttempts: 1',
      '    timeoutMs: 10000',
      'models:',
      '  bench-model:',
      '    routes:',
      `      - { provider: upstream, model: ${upstreamModel} }`,
      // The same upstream with the response cache on for this model alone (global cache stays off).
      '  bench-cached:',
      '    routes:',
      `      - { provider: upstream, model: ${upstreamModel} }`,
      '    cache: { enabled: true }',
      '',
    ].join('\n'),
  );

  // The gateway, from the compiled build.
  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg.length > 0);
  const entry = resolve(root, process.env.BENCH_GATEWAY_ENTRY ?? 'dist/main.js');
  const gatewayEnvironment = {
    ...process.env,
    GATEWAY_CONFIG: configPath,
    GATEWAY_ADMIN_KEY: adminKey,
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_PREFIX: prefix,
    REDIS_URL: redisUrl,
    DATABASE_URL: gatewayDatabaseUrl.toString(),
    LOG_LEVEL: 'warn',
  };
  const gateway = startChild('gateway', process.execPath, [...nodeArgs, entry], { cwd: root, env: { ...gatewayEnvironment, GATEWAY_ROLE: split ? 'api' : 'all' } });
  cleanups.push({ label: 'stop gateway', run: () => stopChild(gateway, 30_000) });
  const worker = split ? startChild('worker', process.execPath, [...nodeArgs, entry], { cwd: root, env: { ...gatewayEnvironment, GATEWAY_ROLE: 'worker', METRICS_PORT: '' } }) : undefined;
  if (worker) cleanups.push({ label: 'stop worker', run: () => stopChild(worker, 30_000) });
  /** The gateway's processes by role, as the accounting names them. */
  const gatewayProcesses: Record<string, number> = worker ? { API: gateway.pid, worker: worker.pid } : { gateway: gateway.pid };
  /** CPU and system calls of every gateway process together. */
  const gatewayCounters = () => {
    const all = Object.values(gatewayProcesses).map((pid) => processCounters(pid));
    if (all.some((counters) => counters === undefined)) return undefined;
    return all.reduce((sum, counters) => ({
      cpu: sum!.cpu + counters!.cpu,
      readCalls: sum!.readCalls + counters!.readCalls,
      writeCalls: sum!.writeCalls + counters!.writeCalls,
      readBytes: sum!.readBytes + counters!.readBytes,
      writtenBytes: sum!.writtenBytes + counters!.writtenBytes,
    }));
  };
  await waitUntil(
    'gateway /readyz',
    async () => {
      if (gateway.process.exitCode !== null) throw new Error(`gateway exited (${gateway.process.exitCode}):\n${gateway.tail.join('\n')}`);
      const response = await request(`${gatewayUrl}/readyz`);
      await response.body.dump();
      return response.statusCode === 200;
    },
    60_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${gateway.tail.join('\n')}`);
  });
  const created = await request(`${gatewayUrl}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', project: 'bench' }),
  });
  const createdBody = (await created.body.json()) as { key?: string };
  if (created.statusCode !== 201 || !createdBody.key) throw new Error(`POST /admin/keys: HTTP ${created.statusCode}`);
  const gatewayQuietSince = performance.now();
  const ports: PeerPorts = { listener: port, redis: Number(new URL(redisUrl).port || 6379), postgres: Number(gatewayDatabaseUrl.port || 5432), upstream: Number(new URL(mockUrl).port) };
  /** Waits until the gateway has been idle long enough for its database's counters to be complete. */
  const settledDatabaseCounters = async (quietSince: number) => {
    await sleep(Math.max(0, quietSince + postgresStatsSettleMs - performance.now()));
    return readDatabaseCounters(databaseUrl, databaseName);
  };

  const direct: Target = { url: `${mockUrl}/chat/completions`, headers: { 'content-type': 'application/json' }, body: chatBody(upstreamModel) };
  const gatewayHeaders = { 'content-type': 'application/json', authorization: `Bearer ${createdBody.key}` };
  const viaGateway: Target = { url: `${gatewayUrl}/v1/chat/completions`, headers: gatewayHeaders, body: chatBody('bench-model') };
  const streamDirect: Target = { ...direct, body: chatFormat.body(upstreamModel) };
  const streamViaGateway: Target = { ...viaGateway, body: chatFormat.body('bench-model') };
  const cachedViaGateway: Target = { ...viaGateway, body: chatBody('bench-cached') };

  // Context for the figures: on a shared machine, other work steals the cores the phases need.
  const loadBefore = loadavg()[0] ?? 0;
  // Every phase against the gateway counts: each 2xx it gave must have exactly one usage row.
  let gateway2xx = 0;
  const onGateway = (result: PhaseResult) => {
    gateway2xx += result.ok;
    return result;
  };
  log(`warm-up ${warmup} s, then ${duration} s at c=${connections}: mock direct`);
  await runAutocannon('warm-up', direct, connections, warmup);
  const directLoaded = await runAutocannon(`mock direct (c=${connections})`, direct, connections, duration);
  log(`warm-up ${warmup} s, then ${duration} s at c=${connections}: gateway`);
  // Postgres is counted over the warm-up and the phase: its counters settle only once the gateway is idle.
  const databaseBefore = await settledDatabaseCounters(gatewayQuietSince);
  const snapshotBeforeWarmup = await takeSnapshot(accountingRedis, gatewayProcesses, ports);
  const gatewayWarmup = onGateway(await runAutocannon('warm-up', viaGateway, connections, warmup));
  const snapshotBefore = await takeSnapshot(accountingRedis, gatewayProcesses, ports);
  const countersBefore = gatewayCounters();
  const machineGroups = Object.fromEntries(Object.entries(gatewayProcesses).map(([name, pid]) => [name, [pid]]));
  const machineBefore = machineSnapshot({ ...machineGroups, mock: [mock.pid] });
  const gatewayLoaded = onGateway(await runAutocannon(`gateway (c=${connections})`, viaGateway, connections, duration));
  const machineAfter = machineSnapshot({ ...machineGroups, mock: [mock.pid] });
  const countersAfter = gatewayCounters();
  const machine = machineBefore && machineAfter ? describeMachineCpu(machineBefore, machineAfter, gatewayLoaded.seconds) : undefined;
  const snapshotAfter = await takeSnapshot(accountingRedis, gatewayProcesses, ports);
  const loadedEnded = performance.now();
  // Per-request CPU and system calls of the gateway are steadier than RPS on a shared machine.
  const gatewayCost =
    countersBefore && countersAfter
      ? {
          cpuMs: ((countersAfter.cpu - countersBefore.cpu) * 1000) / gatewayLoaded.responses,
          coreShare: (countersAfter.cpu - countersBefore.cpu) / gatewayLoaded.seconds,
          reads: (countersAfter.readCalls - countersBefore.readCalls) / gatewayLoaded.responses,
          writes: (countersAfter.writeCalls - countersBefore.writeCalls) / gatewayLoaded.responses,
        }
      : undefined;
  log(`${c1Duration} s sequential (c=1) each: mock direct, gateway`);
  await runSequential('warm-up', direct, 1);
  const directIdle = await runSequential('mock direct (c=1, seq)', direct, c1Duration);
  const databaseAfter = await settledDatabaseCounters(loadedEnded);
  const postgresCalls = gatewayWarmup.responses + gatewayLoaded.responses;
  const cost = {
    ...costPerCall({
      label: gatewayLoaded.label,
      calls: gatewayLoaded.responses,
      before: snapshotBefore,
      after: snapshotAfter,
      database: { before: databaseBefore, after: databaseAfter, calls: postgresCalls, snapshot: snapshotBeforeWarmup },
      ...(gatewayLoaded.bytes ? { clients: { received: gatewayLoaded.bytes.sent, sent: gatewayLoaded.bytes.received } } : {}),
    }),
    bullmqFloor: floorPerCall(floor, 1),
  };
  onGateway(await runSequential('warm-up', viaGateway, 1));
  const idleParts = new ServerTimingParts();
  const gatewayIdle = onGateway(
    await runSequential('gateway (c=1, seq)', viaGateway, c1Duration, {
      onHeaders: (status, header) => {
        if (status === 200) idleParts.add(header('server-timing'));
      },
    }),
  );

  log(`streams at c=1: ${streamWarmup} warm-up then ${streamRequests} timed each: mock direct, gateway`);
  await runStreamSequential('warm-up', streamDirect, streamWarmup);
  const streamDirectResult = await runStreamSequential('mock direct (stream)', streamDirect, streamRequests);
  const streamGatewayWarmup = await runStreamSequential('warm-up', streamViaGateway, streamWarmup);
  const streamGatewayResult = await runStreamSequential('gateway (stream)', streamViaGateway, streamRequests);
  gateway2xx += streamGatewayWarmup.ok + streamGatewayResult.ok;

  // Right after chat's streams, so the formats' figures are compared with chat's under the same conditions.
  let formatResult: FormatStreamsResult | undefined;
  if (formatStreams) {
    formatResult = await runFormatStreams({
      gatewayUrl,
      gatewayPid: gateway.pid,
      headers: gatewayHeaders,
      model: 'bench-model',
      chatIdle: streamGatewayResult,
      streamWarmup,
      streamRequests,
      connections,
      warmup,
      duration,
      log,
    });
    gateway2xx += formatResult.gateway2xx;
  }

  const cacheResult = await runCacheBench({ target: cachedViaGateway, connections, duration, warmup, c1Duration, gatewayPid: gateway.pid, log });
  gateway2xx += cacheResult.gateway2xx;

  // Hits are recorded behind their answers (group commit): wait for the counts to settle.
  log('waiting for the usage rows to settle');
  const records = await readRecordCounts(gatewayDatabaseUrl.toString(), { usageRows: gateway2xx, cacheHitRows: cacheResult.hit2xx });

  printReport({ directLoaded, gatewayLoaded, directIdle, gatewayIdle, gatewayCost, loadBefore });
  if (machine) process.stdout.write(`where the cores went at c=${connections} (the load generator is the bench process): ${machine.text}\n`);
  process.stdout.write(`${describeServerTimingParts(idleParts, 'gateway at c=1').join('\n')}\n`);
  printAccounting([cost], {
    unit: 'request',
    title: `Cost per request at c=${connections} (${split ? 'the API and a worker, two processes' : 'the gateway in one process, role all'}; ${gatewayLoaded.responses.toLocaleString('en-US')} requests)`,
    floorNote: `${floor.description}; one job per request. BullMQ alone (its Queue and Worker in one process, empty jobs): ${floor.cpuMsPerJob.toFixed(3)} ms CPU per job, ${Math.round(floor.jobsPerSecond).toLocaleString('en-US')} jobs/s`,
    postgresNote: `Its counters, round trips and socket bytes are over the warm-up and the phase (${postgresCalls.toLocaleString('en-US')} requests), read once the gateway had been idle ${postgresStatsSettleMs / 1000} s.`,
    redisShared: ownRedis === undefined,
    clientsNote: 'clients: the bytes autocannon wrote and read (its connections close as the phase ends, before ss can read them).',
  });
  printStreamReport(streamDirectResult, streamGatewayResult, streamGatewayWarmup);
  if (formatResult) printFormatStreamsReport(formatResult);
  const problems = cacheProblems(cacheResult);
  printCacheReport(cacheResult, problems);
  printRecordChecks(records, { gateway2xx, hit2xx: cacheResult.hit2xx });
  const billed = records.usageRows === gateway2xx && records.cacheHitRows === cacheResult.hit2xx;
  const streamsWhole = [streamDirectResult, streamGatewayWarmup, streamGatewayResult].every((result) => result.completed === result.requests);
  const formatsWhole = (formatResult?.problems.length ?? 0) === 0;
  const passed = billed && streamsWhole && formatsWhole && problems.length === 0;

  const figures = syncFigures({
    directLoaded,
    gatewayLoaded,
    directIdle,
    gatewayIdle,
    gatewayCost,
    streamDirect: streamDirectResult,
    streamGateway: streamGatewayResult,
    streamGatewayWarmup,
    formats: formatResult,
    cache: cacheResult,
    records,
    gateway2xx,
    cost,
    idleParts: idleParts.summary(),
  });
  figures.add('BullMQ floor commands per job', floor.commands);
  figures.add('BullMQ floor script calls per job', floor.scripts);
  figures.lower('BullMQ floor CPU ms per job', floor.cpuMsPerJob);
  figures.higher('BullMQ floor jobs per second', floor.jobsPerSecond);
  const settings = {
    duration,
    c1Duration,
    warmup,
    connections,
    streamRequests,
    formatStreams,
    roles: split ? 'split' : 'all',
    redis: ownRedis ? 'own redis-server' : 'REDIS_URL',
    entry,
    nodeArgs: nodeArgs.join(' '),
  };
  const path = await writeResults({ bench: 'sync', settings, figures, checksPassed: passed, loadAverageAtStart: loadAtStart });
  process.stdout.write(`figures written to ${path}\n`);
  return passed ? 0 : 1;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let exitCode = 2;
try {
  exitCode = await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await cleanup();
}
process.exit(exitCode);
