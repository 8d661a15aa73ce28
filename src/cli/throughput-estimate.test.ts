import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate, ThroughputEstimate } from './throughput-estimate.ts';

describe('ThroughputEstimate', () => {
  it('has no rate or ETA before its samples span two seconds', () => {
    const estimate = new ThroughputEstimate();
    estimate.add(1000, 0);
    expect(estimate.ratePerSecond()).toBeUndefined();
    estimate.add(2200, 2); // the first lines of a batch say little about its pace
    expect(estimate.etaSeconds(10_000)).toBeUndefined();
    estimate.add(3000, 1500);
    expect(estimate.ratePerSecond()).toBe(750);
    expect(estimate.etaSeconds(10_000)).toBeCloseTo(11.33, 2);
  });

  it('measures the rate over the window and projects the ETA from it', () => {
    const estimate = new ThroughputEstimate(10_000);
    estimate.add(0, 0);
    estimate.add(5_000, 10); // a slow start…
    estimate.add(15_000, 110); // …then 10/s; the window now starts at the 5 s sample
    estimate.add(20_000, 160);
    expect(estimate.ratePerSecond()).toBe(10);
    expect(estimate.etaSeconds(260)).toBe(10);
  });

  it('says 0 when done, and nothing while stalled from the start', () => {
    const estimate = new ThroughputEstimate(20_000, 1000);
    estimate.add(0, 0);
    estimate.add(1000, 0);
    expect(estimate.etaSeconds(10)).toBeUndefined();
    estimate.add(2000, 10);
    expect(estimate.etaSeconds(10)).toBe(0);
  });
});

describe('formatting', () => {
  it('formats durations and rates for the progress line', () => {
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(245)).toBe('4m 05s');
    expect(formatDuration(7800)).toBe('2h 10m');
    expect(formatRate(undefined)).toBe('–');
    expect(formatRate(12.345)).toBe('12.3');
    expect(formatRate(1234.4)).toBe('1,234');
  });
});
