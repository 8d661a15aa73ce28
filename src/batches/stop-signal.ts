import type { RedisClient } from '../redis/redis-connections.ts';
import type { BatchStopReason } from '../queues/batch-queues.ts';

/**
 * Whether a batch was cancelled or expired, read from Redis at most every `refreshMs`: hundreds of
 * lines in flight ask, one GET answers them all. `initial` is what Postgres said when the chunk began
 * (the record: RedisClient may have lost its copy); once stopped, a batch stays stopped.
 */
export class StopSignal {
  private value: BatchStopReason | null;
  private checkedAt = 0;
  private pending: Promise<BatchStopReason | null> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly refreshMs = 200,
    initial: BatchStopReason | null = null,
  ) {
    this.value = initial;
  }

  async reason(): Promise<BatchStopReason | null> {
    if (this.value !== null || Date.now() - this.checkedAt < this.refreshMs) return this.value;
    this.pending ??= this.redis.get(this.key).then(
      (value) => {
        this.value = value === 'cancelled' || value === 'expired' ? value : null;
        this.checkedAt = Date.now();
        this.pending = undefined;
        return this.value;
      },
      () => {
        this.pending = undefined;
        return this.value;
      },
    );
    return this.pending;
  }
}
