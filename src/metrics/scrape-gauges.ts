import { Counter, Gauge, type Registry } from 'prom-client';
import type { BreakerKey, BreakerState } from '../routing/circuit-breaker-types.ts';
import type { MetricLabels } from './metric-labels.ts';

/** The job states exported per queue: what is waiting, running, scheduled, dead, and waiting by priority. */
export const queueJobStates = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;
type QueueJobState = (typeof queueJobStates)[number];

/** What a queue gauge reads: BullMQ's `Queue.getJobCounts`. */
export interface CountedQueue {
  name: string;
  getJobCounts(...states: QueueJobState[]): Promise<Partial<Record<string, number>>>;
}

/** What the breaker gauge reads: `RedisCircuitBreakers.list`. */
export interface ListedBreakers {
  list(): Promise<Array<BreakerKey & { state: BreakerState }>>;
}

const breakerStateValues: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * One read shared by concurrent scrapes and bounded in time: a scrape waits at most `timeoutMs` and
 * then goes without (an empty gauge rather than a hung scrape), while a read still running is
 * reused by the next scrape instead of piling another one onto a slow Redis.
 */
export class BoundedRead<Value> {
  private running: Promise<Value> | undefined;

  constructor(
    private readonly read: () => Promise<Value>,
    private readonly timeoutMs: number,
  ) {}

  /** The value, or undefined when the read failed or took longer than the timeout. */
  async get(): Promise<Value | undefined> {
    const running = (this.running ??= this.read().finally(() => {
      this.running = undefined;
    }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      return await Promise.race([running.catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Scrape-time gauges: job counts of every queue and the state of every circuit breaker, read from
 * Redis when Prometheus scrapes (not kept up to date in between). A read that fails or times out
 * leaves its gauge empty for that scrape and counts `gateway_metrics_read_failures_total`.
 */
export function registerScrapeGauges(options: {
  registry: Registry;
  labels: MetricLabels;
  queues: readonly CountedQueue[];
  breakers: ListedBreakers;
  /** @defaultValue 2000 */
  timeoutMs?: number;
}): void {
  const { registry, labels } = options;
  const timeoutMs = options.timeoutMs ?? 2000;
  const queueCounts = new BoundedRead(() => Promise.all(options.queues.map(async (queue) => ({ queue: queue.name, counts: await queue.getJobCounts(...queueJobStates) }))), timeoutMs);
  const breakerStates = new BoundedRead(() => options.breakers.list(), timeoutMs);

  new Gauge({
    name: 'gateway_queue_jobs',
    help: 'Jobs per queue and state (chat-<provider>: sync and async calls; batch-<provider>: batch chunks; batch-native: provider batches, delayed between polls).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const queues = await queueCounts.get();
      for (const { queue, counts } of queues ?? []) {
        for (const state of queueJobStates) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });

  new Gauge({
    name: 'gateway_breaker_state',
    help: 'Circuit breakers with recent activity: 0 closed, 1 half-open, 2 open; model="" is the provider-wide breaker.',
    labelNames: ['provider', 'model'],
    registers: [registry],
    async collect() {
      this.reset();
      const breakers = await breakerStates.get();
      // Breakers of made-up upstream models share the `other` label: the worst state shows.
      const worst = new Map<string, { provider: string; model: string; value: number }>();
      for (const breaker of breakers ?? []) {
        const provider = labels.provider(breaker.provider);
        const model = breaker.model ? labels.upstreamModel(breaker.provider, breaker.model) : '';
        const value = breakerStateValues[breaker.state];
        const key = `${provider}\u0000${model}`;
        if ((worst.get(key)?.value ?? -1) < value) worst.set(key, { provider, model, value });
      }
      for (const { provider, model, value } of worst.values()) this.set({ provider, model }, value);
    },
  });

  // Counted in the scrape that went without: its collect awaits the same shared reads as the gauges.
  new Counter({
    name: 'gateway_metrics_read_failures_total',
    help: 'Scrape-time reads (queues, breakers) that failed or timed out; their gauges were left out of that scrape.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const [queues, breakers] = await Promise.all([queueCounts.get(), breakerStates.get()]);
      this.inc({ source: 'queues' }, queues ? 0 : 1);
      this.inc({ source: 'breakers' }, breakers ? 0 : 1);
    },
  });
}
