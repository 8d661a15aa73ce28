import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connections.ts';

/**
 * Items split so that each part can go in one script call or one pipeline: all of them together on a
 * single server; on a Redis Cluster one part per hash slot (a script's keys must share a slot, and a
 * cluster pipeline must stay on one node). `keyOf` gives an item's key; the keys an item brings
 * along must carry the same hash tag. Order is kept within each part.
 */
export function partsBySlot<T>(redis: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!(redis instanceof Cluster)) return items.length === 0 ? [] : [[...items]];
  const parts = new Map<number, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    const part = parts.get(slot);
    if (part) part.push(item);
    else parts.set(slot, [item]);
  }
  return [...parts.values()];
}
