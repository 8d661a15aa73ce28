import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { partsBySlot } from './key-slots.ts';

describe('partsBySlot', () => {
  const server = new Redis({ lazyConnect: true });
  const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
  afterAll(() => {
    server.disconnect();
    cluster.disconnect();
  });
  const keys = ['gw:breaker:{openai}', 'gw:breaker:{anthropic}', 'gw:breaker:{openai}:m:gpt-4o', 'gw:batch-stop:b1'];

  it('keeps everything in one part on a single server (one script call, as before)', () => {
    expect(partsBySlot(server, keys, (key) => key)).toEqual([keys]);
    expect(partsBySlot(server, [], (key: string) => key)).toEqual([]);
  });

  it('splits by hash slot on a cluster, keys of one hash tag together, order kept within a part', () => {
    const parts = partsBySlot(cluster, keys, (key) => key);
    expect(parts).toEqual([['gw:breaker:{openai}', 'gw:breaker:{openai}:m:gpt-4o'], ['gw:breaker:{anthropic}'], ['gw:batch-stop:b1']]);
    for (const part of parts) expect(new Set(part.map((key) => calculateSlot(key))).size).toBe(1);
  });
});
