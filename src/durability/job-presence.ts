import type { Redis } from 'ioredis';

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
export async function jobPresence(redis: Redis, keys: readonly string[]): Promise<JobPresence[]> {
  const presence: JobPresence[] = [];
  for (let from = 0; from < keys.length; from += perRoundTrip) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(from, from + perRoundTrip)) pipeline.hmget(key, 'timestamp', 'finishedOn');
    const replies = (await pipeline.exec()) ?? [];
    for (const [error, value] of replies) {
      if (error) throw error;
      const [timestamp, finishedOn] = value as [string | null, string | null];
      presence.push(timestamp === null ? 'missing' : finishedOn === null ? 'pending' : 'finished');
    }
  }
  return presence;
}
