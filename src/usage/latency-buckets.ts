/**
 * The latency histogram of the usage rollups: fixed, log-spaced millisecond buckets, two per
 * doubling, from 1 ms to ~70 min (46 buckets: every bucket costs each usage query a sum per rollup
 * row it reads, so they are few). The writers (through SQL, `latencyBoundsSql`) and the reader
 * (`estimatePercentile`) share these bounds; changing them means `npm run usage:rebuild`.
 *
 * Bucket 0 is [0, 1 ms), bucket i is [bound[i-1], bound[i]), the last is [~70 min, ∞). A percentile
 * is interpolated inside the bucket holding its rank, so the estimate lies in the same bucket as the
 * true value: off by less than one bucket's width, i.e. under 41% (√2 − 1) of the value, and
 * usually far less (the interpolation assumes the samples spread evenly, on a log scale, inside it).
 */
export const latencyBoundsMs: readonly number[] = Array.from({ length: 45 }, (_unused, step) => Number((2 ** (step / 2)).toPrecision(4)));

/** Elements of a histogram array: one per bucket. */
export const latencyBucketCount = latencyBoundsMs.length + 1;

/** The bounds as a SQL literal, for `usage_latency_histogram(latency_ms, <this>)`. */
export const latencyBoundsSql = `'{${latencyBoundsMs.join(',')}}'::double precision[]`;

/** The lower and upper end of a bucket in ms; the last has no upper end. */
export function bucketRange(bucket: number): { lower: number; upper: number | undefined } {
  return { lower: bucket === 0 ? 0 : (latencyBoundsMs[bucket - 1] ?? 0), upper: latencyBoundsMs[bucket] };
}

/**
 * The `quantile` (0 < q ≤ 1) of a histogram, in ms, or null when it holds no sample. The rank is
 * found by nearest rank; inside its bucket the value is interpolated log-linearly (linearly in the
 * first bucket, which starts at 0); in the open last bucket it is that bucket's lower end.
 */
export function estimatePercentile(histogram: readonly number[], quantile: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * total));
  let below = 0;
  for (const [bucket, count] of histogram.entries()) {
    if (count === 0 || below + count < rank) {
      below += count;
      continue;
    }
    const { lower, upper } = bucketRange(bucket);
    if (upper === undefined) return lower;
    // The rank's place among this bucket's samples, as if they were spread evenly over the bucket.
    const fraction = (rank - below - 0.5) / count;
    return lower === 0 ? upper * fraction : lower * (upper / lower) ** fraction;
  }
  return bucketRange(histogram.length - 1).lower;
}

/** p50, p95 and p99 of a histogram, rounded to 0.1 ms. */
export function latencyPercentiles(histogram: readonly number[]): { p50: number | null; p95: number | null; p99: number | null } {
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    p50: round(estimatePercentile(histogram, 0.5)),
    p95: round(estimatePercentile(histogram, 0.95)),
    p99: round(estimatePercentile(histogram, 0.99)),
  };
}
