import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { Logger } from '../logging/logger.ts';

export type RedisLossReason = 'epoch-missing' | 'epoch-changed' | 'server-restarted';

/**
 * Notices when Redis may have lost data: a restart without persistence, a FLUSHDB, a failover to a
 * replica that lagged, an eviction. Every process keeps a random epoch value in one key and polls it,
 * with the server's `run_id`: the key gone (or replaced by another process that saw it gone) means the
 * data went with it; a new `run_id` means a restart or a failover, after which some writes may be lost.
 * Listeners then put back what Postgres says is unfinished (the reconciler) or what this process
 * holds in memory (sync calls waiting for their jobs).
 */
export class RedisEpochWatcher {
  private epoch: string | undefined;
  private runId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly listeners = new Set<(reason: RedisLossReason) => void | Promise<void>>();

  constructor(
    private readonly options: {
      redis: RedisClient;
      prefix: string;
      /** @defaultValue 1000 */
      intervalMs?: number;
      logger: Logger;
    },
  ) {}

  get key(): string {
    return `${this.options.prefix}:epoch`;
  }

  /** Called (not awaited by the watcher beyond logging) each time a loss is seen. */
  onLoss(listener: (reason: RedisLossReason) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    await this.check().catch((error: unknown) => this.options.logger.warn({ err: error }, 'cannot read the Redis epoch yet'));
    const intervalMs = this.options.intervalMs ?? 1000;
    this.timer = setInterval(() => {
      this.check().catch((error: unknown) => this.options.logger.debug({ err: error }, 'Redis epoch check failed (Redis unreachable?)'));
    }, intervalMs);
    this.timer.unref();
  }

  /** One look at the epoch key and the server's run_id; single-flight. */
  check(): Promise<void> {
    this.checking ??= this.look().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The epoch and the `run_id` of the server that holds it, in one round trip. */
  private async read(): Promise<[[Error | null, string | null], [Error | null, string]]> {
    return ((await this.options.redis.pipeline().get(this.key).info('server').exec()) ?? []) as [[Error | null, string | null], [Error | null, string]];
  }

  private async look(): Promise<void> {
    const { redis } = this.options;
    let [[epochError, current], [infoError, info]] = await this.read();
    if (epochError?.message.startsWith('MOVED')) {
      // On a Redis Cluster, after a failover: the key's slot moved. A plain read follows the redirect
      // (and updates the client's slot map); the pipeline then reaches the new master.
      await redis.get(this.key);
      [[epochError, current], [infoError, info]] = await this.read();
    }
    if (epochError) throw epochError;
    if (infoError) throw infoError;
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    let reason: RedisLossReason | undefined;
    let epoch = current;
    if (epoch === null) {
      // First process to see the key gone writes a new one; the others see it changed.
      await redis.set(this.key, randomUUID(), 'NX');
      epoch = await redis.get(this.key);
      if (this.epoch !== undefined) reason = 'epoch-missing';
    } else if (this.epoch !== undefined && epoch !== this.epoch) {
      reason = 'epoch-changed';
    } else if (this.runId !== undefined && runId !== undefined && runId !== this.runId) {
      reason = 'server-restarted';
    }
    this.epoch = epoch ?? undefined;
    this.runId = runId ?? this.runId;
    if (reason) this.announce(reason);
  }

  private announce(reason: RedisLossReason): void {
    this.options.logger.warn({ reason, key: this.key }, 'Redis may have lost data: restoring work from Postgres');
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(reason))
        .catch((error: unknown) => this.options.logger.error({ err: error, reason }, 'a Redis loss listener failed'));
    }
  }
}
