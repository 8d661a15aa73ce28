import type { Redis } from 'ioredis';
import type { BatchStopReason } from './batch-queues.ts';

/**
 * Whether a batch was cancelled or expired, read from Redis at most every `refreshMs`: hundreds of
 * lines in flight ask, one GET answers them all.
 */
export class StopSignal {
  private value: BatchStopReason | null = null;
  private checkedAt = 0;
  private pending: Promise<BatchStopReason | null> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly refreshMs = 200,
  ) {}

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
