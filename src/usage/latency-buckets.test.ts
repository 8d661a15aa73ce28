import { describe, expect, it } from 'vitest';
import { bucketRange, estimatePercentile, latencyBoundsMs, latencyBucketCount, latencyBoundsSql, latencyPercentiles } from './latency-buckets.ts';

/** The bucket a latency falls in, as Postgres's width_bucket(ms, bounds) + 1 places it. */
function bucketOf(ms: number): number {
  return latencyBoundsMs.filter((bound) => ms >= bound).length;
}

function histogramOf(samples: number[]): number[] {
  const histogram = new Array<number>(latencyBucketCount).fill(0);
  for (const sample of samples) histogram[bucketOf(sample)]! += 1;
  return histogram;
}

function exactPercentile(samples: number[], quantile: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(quantile * sorted.length)) - 1]!;
}

describe('latency buckets', () => {
  it('run from 1 ms to about 70 minutes, two per doubling, strictly increasing', () => {
    expect(latencyBoundsMs[0]).toBe(1);
    expect(latencyBoundsMs.at(-1)).toBeGreaterThan(3_600_000);
    expect(latencyBucketCount).toBe(latencyBoundsMs.length + 1);
    for (let index = 1; index < latencyBoundsMs.length; index += 1) {
      const ratio = latencyBoundsMs[index]! / latencyBoundsMs[index - 1]!;
      expect(ratio).toBeGreaterThan(1.41);
      expect(ratio).toBeLessThan(1.42);
    }
    expect(latencyBoundsSql).toMatch(/^'\{1,1\.414,2,2\.828,4,[\d.,]+\}'::double precision\[\]$/);
  });

  it('gives null for an empty histogram', () => {
    expect(estimatePercentile(new Array(latencyBucketCount).fill(0), 0.5)).toBeNull();
    expect(latencyPercentiles([])).toEqual({ p50: null, p95: null, p99: null });
  });

  it('keeps every estimate inside the bucket of the true percentile (error under one bucket width)', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (const spread of [5, 50, 5000]) {
      const samples = Array.from({ length: 2000 }, () => 1 + random() * random() * spread);
      const histogram = histogramOf(samples);
      for (const quantile of [0.5, 0.95, 0.99]) {
        const truth = exactPercentile(samples, quantile);
        const estimate = estimatePercentile(histogram, quantile)!;
        const { lower, upper } = bucketRange(bucketOf(truth));
        expect(estimate).toBeGreaterThanOrEqual(lower);
        expect(estimate).toBeLessThan(upper!);
        expect(Math.abs(estimate - truth) / truth).toBeLessThan(0.415);
      }
    }
  });

  it('interpolates linearly in the first bucket and gives the lower end of the open last one', () => {
    const first = new Array<number>(latencyBucketCount).fill(0);
    first[0] = 2;
    expect(estimatePercentile(first, 0.5)).toBeCloseTo(0.25);
    const last = new Array<number>(latencyBucketCount).fill(0);
    last[latencyBucketCount - 1] = 1;
    expect(estimatePercentile(last, 0.99)).toBe(latencyBoundsMs.at(-1));
  });

  it('places percentiles of a two-bucket histogram by rank', () => {
    const histogram = new Array<number>(latencyBucketCount).fill(0);
    histogram[bucketOf(10)] = 90;
    histogram[bucketOf(1000)] = 10;
    const { p50, p95, p99 } = latencyPercentiles(histogram);
    expect(bucketOf(p50!)).toBe(bucketOf(10));
    expect(bucketOf(p95!)).toBe(bucketOf(1000));
    expect(bucketOf(p99!)).toBe(bucketOf(1000));
  });
});
