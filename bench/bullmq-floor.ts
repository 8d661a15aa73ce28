/**
 * BullMQ's own cost per job, apart from the gateway: a Queue and a Worker with the gateway's job and
 * worker options add, process and complete empty jobs against the bench's Redis server (on a queue
 * no gateway process reads), and `INFO commandstats` before and after gives the commands per job.
 * Run before the gateway starts, so nothing else talks to that server meanwhile.
 */
import { Queue, Worker, type JobsOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { fairSharePriority } from '../src/batches/batch-control-processor.ts';
import { durabilitySchema } from '../src/config/gateway-config.ts';
import { chunkJobOptions } from '../src/queues/batch-queues.ts';
import { requestJobOptions } from '../src/queues/request-job.ts';
import { workerLockOptions } from '../src/queues/worker-options.ts';
import { readRedisCounters, scriptCommands } from './accounting.ts';

export interface BullmqFloor {
  jobs: number;
  /** Per job: every command (those scripts run included), script calls, and by command. */
  commands: number;
  scripts: number;
  byCommand: Record<string, number>;
  /**
   * CPU ms per job of this process (the Queue and the Worker in one Node process, with empty jobs and
   * nothing else to do), and jobs completed per second: the most one core can push through BullMQ.
   */
  cpuMsPerJob: number;
  jobsPerSecond: number;
  /** How the jobs were added and run, for the report. */
  description: string;
}

/** The floor per call when a call costs `jobsPerCall` jobs (one per sync request; a fraction of one per batch line). */
export function floorPerCall(floor: BullmqFloor, jobsPerCall: number): { commands: number; scripts: number; byCommand: Record<string, number> } {
  const byCommand = Object.fromEntries(Object.entries(floor.byCommand).map(([name, count]) => [name, count * jobsPerCall]));
  return { commands: floor.commands * jobsPerCall, scripts: floor.scripts * jobsPerCall, byCommand };
}

const queueName = 'bench-bullmq-floor';
const warmupJobs = 200;

/** The gateway's worker lock settings at the default `durability.jobLockMs`. */
const lockOptions = () => workerLockOptions({ durability: durabilitySchema.parse({}) });

/** Sync calls: a request job each (one attempt), added by `inFlight` clients one at a time; the provider worker's concurrency. */
export function measureRequestJobFloor(options: { redisUrl: string; prefix: string; jobs: number; inFlight: number; concurrency: number }): Promise<BullmqFloor> {
  return measureBullmqFloor({
    ...options,
    jobOptions: (ordinal) => requestJobOptions({ requestId: `floor-${ordinal}`, maxAttempts: 1, retryBaseDelayMs: 500 }),
    worker: { concurrency: options.concurrency, ...lockOptions() },
    adding: { inFlight: options.inFlight },
  });
}

/** A batch's chunk jobs: added with one addBulk at their fair-share priorities; the chunk worker's concurrency. */
export function measureChunkJobFloor(options: { redisUrl: string; prefix: string; jobs: number; concurrency: number }): Promise<BullmqFloor> {
  return measureBullmqFloor({
    ...options,
    jobOptions: (ordinal) => ({ ...chunkJobOptions({ batchId: 'floor', provider: 'mock', ranges: [[ordinal, ordinal]] }), priority: fairSharePriority(ordinal) }),
    worker: { concurrency: options.concurrency, ...lockOptions() },
    adding: 'bulk',
  });
}

async function measureBullmqFloor(options: {
  redisUrl: string;
  prefix: string;
  jobs: number;
  /** The gateway's options for the job with this ordinal (each needs its own job id). */
  jobOptions: (ordinal: number) => JobsOptions;
  worker: Pick<WorkerOptions, 'concurrency' | 'lockDuration' | 'stalledInterval'>;
  /** `inFlight` jobs at a time, the next added as one completes (sync calls at c=inFlight); or `bulk`: all at once with addBulk (a batch's chunks). */
  adding: { inFlight: number } | 'bulk';
}): Promise<BullmqFloor> {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix: options.prefix });
  const worker = new Worker(queueName, async () => undefined, { connection, prefix: options.prefix, ...options.worker });
  let ordinal = 0;
  const nextJob = () => ({ name: 'chat', data: {}, opts: options.jobOptions(ordinal++) });

  /** Adds `count` jobs as `options.adding` says and resolves when the worker has completed them all. */
  const runJobs = (count: number) =>
    new Promise<void>((resolve, reject) => {
      let added = 0;
      let completed = 0;
      const add = () => {
        added += 1;
        const { name, data, opts } = nextJob();
        queue.add(name, data, opts).catch(fail);
      };
      const done = (error?: Error) => {
        clearTimeout(timer);
        worker.off('completed', onCompleted);
        worker.off('failed', onFailed);
        if (error) reject(error);
        else resolve();
      };
      const fail = (error: unknown) => done(error instanceof Error ? error : new Error(String(error)));
      const onCompleted = () => {
        completed += 1;
        if (completed === count) done();
        else if (options.adding !== 'bulk' && added < count) add();
      };
      const onFailed = (_job: unknown, error: Error) => fail(error);
      const timer = setTimeout(() => fail(new Error(`BullMQ floor: ${completed} of ${count} jobs completed within 120 s`)), 120_000);
      worker.on('completed', onCompleted);
      worker.on('failed', onFailed);
      if (options.adding === 'bulk') {
        added = count;
        queue.addBulk(Array.from({ length: count }, nextJob)).catch(fail);
      } else {
        for (let index = 0; index < Math.min(options.adding.inFlight, count); index += 1) add();
      }
    });

  try {
    await worker.waitUntilReady();
    await runJobs(warmupJobs);
    const before = await readRedisCounters(connection);
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    await runJobs(options.jobs);
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const after = await readRedisCounters(connection);
    const byCommand: Record<string, number> = {};
    for (const [name, count] of after.commands) {
      const delta = count - (before.commands.get(name) ?? 0) - (name === 'info' ? 1 : 0);
      if (delta > 0) byCommand[name] = delta / options.jobs;
    }
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const adding = options.adding === 'bulk' ? 'added with one addBulk' : `${options.adding.inFlight} in flight, each added as one completes`;
    return {
      jobs: options.jobs,
      commands: sum(Object.values(byCommand)),
      scripts: sum(scriptCommands.map((name) => byCommand[name] ?? 0)),
      byCommand,
      cpuMsPerJob: (cpu.user + cpu.system) / 1000 / options.jobs,
      jobsPerSecond: options.jobs / seconds,
      description: `${options.jobs.toLocaleString('en-US')} empty jobs ${adding}, worker concurrency ${options.worker.concurrency ?? 1}`,
    };
  } finally {
    await worker.close().catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close().catch(() => {});
    connection.disconnect();
  }
}
