import { describe, expect, it } from 'vitest';
import { batchLineSampled, noTracing } from './tracing.ts';

describe('batchLineSampled', () => {
  const sampledOf = (lines: number, ratio: number) => Array.from({ length: lines }, (_unused, index) => index + 1).filter((line) => batchLineSampled(line, ratio));

  it('picks every 1/ratio-th line, evenly, the same on every run', () => {
    expect(sampledOf(300, 0.01)).toEqual([100, 200, 300]);
    expect(sampledOf(10, 0.25)).toEqual([4, 8]);
    expect(sampledOf(100_000, 0.01)).toHaveLength(1000);
  });

  it('picks none at 0 and all at 1', () => {
    expect(sampledOf(50, 0)).toEqual([]);
    expect(sampledOf(50, 1)).toHaveLength(50);
  });
});

describe('noTracing', () => {
  it('hands out spans that carry no context and run their steps as they are', async () => {
    const span = noTracing.startJob({ queue: 'q', jobId: 'j', traceparent: undefined, attempt: 1 });
    expect(span.traceparent).toBeUndefined();
    expect(span.startEnqueue({ queue: 'q', jobId: 'k' }).traceparent).toBeUndefined();
    await expect(span.step('record', async () => 42)).resolves.toBe(42);
    expect(noTracing.batchLines.sampled(100)).toBe(false);
  });
});
