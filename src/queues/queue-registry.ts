import { Queue } from 'bullmq';
import { queuePrefix } from './queue-prefix.ts';
import { reportErrors } from '../redis/redis-connections.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * BullMQ queue handles by name, opened on first use and shared: every producer of a process (API
 * enqueues, fallback hops, batch fan-out, the reconciler) adds through one handle per queue. They share
 * the given connection, which `close()` leaves open (BullMQ never closes a connection it was given).
 */
export class QueueRegistry {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly options: { redis: RedisClient; prefix: string; logger: Logger }) {}

  get<Data>(name: string): Queue<Data> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.options.redis, prefix: queuePrefix(this.options.prefix, name) });
      reportErrors(queue, `queue ${name}`, this.options.logger);
      this.queues.set(name, queue);
    }
    return queue as Queue<Data>;
  }

  /** The Redis key of a job's hash (`<prefix>:{<queue>}:<queue>:<job id>`), as BullMQ names it. */
  jobKey(queueName: string, jobId: string): string {
    return `${queuePrefix(this.options.prefix, queueName)}:${queueName}:${jobId}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
