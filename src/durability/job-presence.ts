import type { RedisClient } from '../redis/redis-connections.ts';
import { partsBySlot } from '../redis/key-slots.ts';

/**
 * What Redis holds of a job: `pending` (waiting, delayed, prioritized or active), `finished` (its hash
 * kept after it failed for good: the gateway removes completed jobs at once), or `missing`.
 */
export type JobPresence = 'pending' | 'finished' | 'missing';

const perRoundTrip = 1000;

/**
 * The presence of each job hash key (see `QueueRegistry.jobKey`), in order. BullMQ writes `timestamp`
 * on every job when it is added and `finishedOn` when it ends; one pipelined HMGET per key, a thousand
 * keys per round trip.
 */
export async function jobPresence(redis: RedisClient, keys: readonly string[]): Promise<JobPresence[]> {
  const presence = new Map<string, JobPresence>();
  // A cluster pipeline stays on one node: there, one pipeline per queue (each queue has its own slot).
  for (const part of partsBySlot(redis, keys, (key) => key)) {
    for (let from = 0; from < part.length; from += perRoundTrip) {
      const pipeline = redis.pipeline();
      const chunk = part.slice(from, from + perRoundTrip);
      for (const key of chunk) pipeline.hmget(key, 'timestamp', 'finishedOn');
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, value], index) => {
        if (error) throw error;
        const [timestamp, finishedOn] = value as [string | null, string | null];
        presence.set(chunk[index] ?? '', timestamp === null ? 'missing' : finishedOn === null ? 'pending' : 'finished');
      });
    }
  }
  return keys.map((key) => presence.get(key) ?? 'missing');
}
