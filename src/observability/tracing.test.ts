import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { startTracing } from './start-tracing.ts';
import { batchLineSampled, noTracing } from './tracing.ts';
import { readTracingSettings } from './tracing-settings.ts';

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

describe('startTracing', () => {
  it('hands out the no-op tracing when the settings say off, and says why only when something asked for traces', async () => {
    const lines: Array<{ msg: string; reason?: string }> = [];
    const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) } });
    const batchLines = { batchLineRatio: 0.01, failedBatchLines: true };
    expect(await startTracing({ settings: readTracingSettings({}), batchLines, logger, role: 'all' })).toBe(noTracing);
    expect(lines).toEqual([]);
    expect(await startTracing({ settings: readTracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), batchLines, logger, role: 'all' })).toBe(noTracing);
    expect(lines).toMatchObject([{ msg: 'tracing off', reason: 'OTEL_SDK_DISABLED is true' }]);
  });
});
