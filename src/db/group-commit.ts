import { waitOutOutage, type OutageWait } from './outage-retry.ts';

interface Pending<Item> {
  item: Item;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items recorded while a write is in flight go together in the next write. At low load
 * every item is written at once; under load a few round trips carry many rows. `add` resolves only
 * once its item's write has committed.
 */
export class GroupCommitter<Item> {
  private queue: Array<Pending<Item>> = [];
  private inFlight = 0;
  private idle: Array<() => void> = [];

  private readonly write: (items: Item[]) => Promise<void>;

  constructor(
    write: (items: Item[]) => Promise<void>,
    private readonly options: {
      maxBatchSize: number;
      maxInFlight: number;
      /**
       * While Postgres is unreachable, a write is tried again (its items stay in memory) for up to
       * `maxWaitMs` before its callers see the error: the write must be idempotent.
       */
      outage?: OutageWait | undefined;
    } = { maxBatchSize: 500, maxInFlight: 1 },
  ) {
    const outage = options.outage;
    this.write = outage ? (items) => waitOutOutage(() => write(items), outage) : write;
  }

  add(item: Item): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /**
   * Several items at once: queued together before a write starts, so they go out in as few writes as
   * the batch size allows (added one by one, the first would find the committer idle and go alone).
   */
  addMany(items: readonly Item[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const written = items.map((item) => new Promise<void>((resolve, reject) => this.queue.push({ item, resolve, reject })));
    this.pump();
    return Promise.all(written).then(() => undefined);
  }

  /** Resolves when everything added so far is written (used at shutdown). */
  flush(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      this.inFlight += 1;
      this.write(batch.map((entry) => entry.item))
        .then(
          () => {
            for (const entry of batch) entry.resolve();
          },
          (error: unknown) => {
            for (const entry of batch) entry.reject(error);
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
          if (this.inFlight === 0 && this.queue.length === 0) {
            for (const resolve of this.idle.splice(0)) resolve();
          }
        });
    }
  }
}
