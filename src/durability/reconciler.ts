import type { Logger } from '../logging/logger.ts';
import type { LeaderLock } from './leader-lock.ts';
import type { RedisEpochWatcher, RedisLossReason } from './redis-epoch.ts';

export type ReconcileReason = 'start' | 'period' | 'leadership' | RedisLossReason | 'manual';

export interface ReconcileContext {
  reason: ReconcileReason;
  /** True when Redis is known to have lost data (not a routine pass). */
  redisLost: boolean;
  /** Between steps: false once this process no longer leads (stop there). */
  stillLeader(): Promise<boolean>;
  logger: Logger;
}

/**
 * One kind of work Postgres records and Redis carries: batches, async jobs, webhook deliveries, or
 * anything a later capability adds. `run` compares what Postgres says is unfinished with what BullMQ
 * holds and puts back what is missing, idempotently (the same job ids, conditional writes), so that a
 * pass repeated or overlapping another changes nothing twice. Periodic upkeep (sweeping expired rows)
 * registers the same way.
 */
export interface ReconcileTask {
  /** Names the work in logs and metrics, e.g. `batches`. */
  name: string;
  /** Returns how many things it put back (or swept). */
  run(context: ReconcileContext): Promise<number>;
}

export interface ReconcileReport {
  reason: ReconcileReason;
  led: boolean;
  restored: Record<string, number>;
  failed: string[];
}

/**
 * Postgres is the record and Redis a cache of work: this puts the work back. One process leads
 * (`LeaderLock`); it runs every registered task at start, every `intervalMs`, and at once when the
 * epoch watcher sees Redis lose data. The others try for leadership on each period, so a new leader
 * takes over within one period of the old one dying.
 */
export class Reconciler {
  private readonly tasks: ReconcileTask[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;
  private again: ReconcileReason | undefined;
  private closed = false;
  private stopWatching: (() => void) | undefined;

  constructor(
    private readonly options: {
      lock: LeaderLock;
      watcher?: RedisEpochWatcher;
      intervalMs: number;
      logger: Logger;
      /** Told each pass's result (metrics). */
      onReport?: (report: ReconcileReport) => void;
    },
  ) {}

  /** A kind of work registers itself here; tasks run in registration order. */
  register(task: ReconcileTask): void {
    this.tasks.push(task);
  }

  get taskNames(): string[] {
    return this.tasks.map((task) => task.name);
  }

  async start(): Promise<void> {
    this.stopWatching = this.options.watcher?.onLoss((reason) => {
      void this.runNow(reason);
    });
    // Not awaited: a start must not wait for a pass over a big backlog (or for Postgres to answer).
    void this.runNow('start');
    this.timer = setInterval(() => void this.runNow('period'), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * A pass now (if this process leads). Single-flight: asked while one runs, one more follows it,
   * so a loss noticed mid-pass is never missed.
   */
  runNow(reason: ReconcileReason): Promise<ReconcileReport> {
    if (this.running) {
      if (this.again === undefined || isLoss(reason)) this.again = reason;
      return this.running;
    }
    this.running = this.pass(reason).finally(() => {
      this.running = undefined;
      const next = this.again;
      this.again = undefined;
      if (next !== undefined && !this.closed) void this.runNow(next);
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopWatching?.();
    await this.running?.catch(() => undefined);
    await this.options.lock.release();
  }

  private async pass(reason: ReconcileReason): Promise<ReconcileReport> {
    const report: ReconcileReport = { reason, led: false, restored: {}, failed: [] };
    if (this.closed) return report;
    const wasLeader = this.options.lock.isLeader;
    if (!(await this.options.lock.tryAcquire())) return report;
    report.led = true;
    const effective = !wasLeader && reason === 'period' ? 'leadership' : reason;
    report.reason = effective;
    const logger = this.options.logger.child({ reconcile: effective });
    const context: ReconcileContext = {
      reason: effective,
      redisLost: isLoss(effective),
      stillLeader: () => this.options.lock.stillLeader(),
      logger,
    };
    const started = performance.now();
    for (const task of this.tasks) {
      if (this.closed || !(await context.stillLeader())) break;
      try {
        report.restored[task.name] = await task.run(context);
      } catch (error) {
        report.failed.push(task.name);
        logger.warn({ err: error, task: task.name }, 'reconcile task failed; the next pass retries it');
      }
    }
    const restored = Object.values(report.restored).reduce((sum, count) => sum + count, 0);
    const fields = { restored: report.restored, failed: report.failed, ms: Math.round(performance.now() - started) };
    if (restored > 0 || report.failed.length > 0 || effective !== 'period') logger.info(fields, 'reconciled Redis with Postgres');
    else logger.debug(fields, 'reconciled Redis with Postgres: nothing missing');
    this.options.onReport?.(report);
    return report;
  }
}

function isLoss(reason: ReconcileReason): boolean {
  return reason === 'epoch-missing' || reason === 'epoch-changed' || reason === 'server-restarted';
}
