import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config/gateway-config.ts';
import { createMetricLabels } from './metric-labels.ts';
import { BoundedRead, registerScrapeGauges, type CountedQueue } from './scrape-gauges.ts';

describe('BoundedRead', () => {
  it('gives up after the timeout, and shares one read between concurrent and later callers while it runs', async () => {
    let reads = 0;
    let finish: (value: number) => void = () => {};
    const read = new BoundedRead(() => {
      reads += 1;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    }, 30);
    const started = Date.now();
    expect(await Promise.all([read.get(), read.get()])).toEqual([undefined, undefined]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await read.get()).toBeUndefined();
    expect(reads).toBe(1);
    finish(7);
    await new Promise((resolve) => setImmediate(resolve));
    // The slow read ended: the next call reads afresh.
    const next = read.get();
    finish(8);
    expect(await next).toBe(8);
    expect(reads).toBe(2);
  });

  it('answers undefined when the read fails', async () => {
    expect(await new BoundedRead(() => Promise.reject(new Error('redis down')), 1000).get()).toBeUndefined();
  });
});

describe('scrape gauges', () => {
  const config = parseGatewayConfig({ providers: { mock: { type: 'mock' } }, models: { m: { routes: [{ provider: 'mock', model: 'echo' }] } } }, {});

  it('leaves a gauge out of a scrape whose Redis read hangs, counts it, and does not hang the scrape', async () => {
    const registry = new Registry();
    const hanging: CountedQueue = { name: 'chat-mock', getJobCounts: () => new Promise(() => {}) };
    registerScrapeGauges({
      registry,
      labels: createMetricLabels(config),
      queues: [hanging],
      breakers: {
        list: async () => [
          { provider: 'mock', state: 'open' },
          { provider: 'mock', model: 'made-up-1', state: 'half_open' },
          { provider: 'mock', model: 'made-up-2', state: 'open' },
        ],
      },
      timeoutMs: 50,
    });
    const text = await registry.metrics();
    expect(text).not.toMatch(/^gateway_queue_jobs\{/m);
    expect(text).toContain('gateway_metrics_read_failures_total{source="queues"} 1');
    expect(text).toContain('gateway_breaker_state{provider="mock",model=""} 2');
    // Breakers of made-up models share one label; the worst state shows.
    expect(text).toContain('gateway_breaker_state{provider="mock",model="other"} 2');
    expect(text).not.toContain('made-up');
  });
});
