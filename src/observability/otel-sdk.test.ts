import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { startOtelSdk } from './otel-sdk.ts';
import type { Tracing } from './tracing.ts';
import { readTracingSettings } from './tracing-settings.ts';

/** The SDK reads its own variables (the sampler here) from the process's environment, as in production. */
describe('startOtelSdk', () => {
  const started: Tracing[] = [];
  const saved = { ...process.env };
  afterEach(async () => {
    for (const tracing of started.splice(0)) await tracing.shutdown();
    process.env = { ...saved };
  });

  function start(environment: Record<string, string>): Tracing {
    Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '60000' }, environment);
    const settings = readTracingSettings(process.env);
    if (!settings.enabled) throw new Error('expected tracing on');
    const tracing = startOtelSdk({ settings, batchLines: { batchLineRatio: 0.01, failedBatchLines: true }, logger: createLogger('silent'), role: 'all' });
    started.push(tracing);
    return tracing;
  }
  const sampledFlag = (tracing: Tracing, traceparent?: string) => tracing.startRequest({ method: 'GET', path: '/v1/models', traceparent, requestId: 'req_1' }).traceparent?.slice(-2);

  it('samples every new trace by default, and follows the caller’s decision', () => {
    const tracing = start({});
    expect(sampledFlag(tracing)).toBe('01');
    expect(sampledFlag(tracing, `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`)).toBe('00');
  });

  it('honours OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
    expect(sampledFlag(start({ OTEL_TRACES_SAMPLER: 'always_off' }))).toBe('00');
    expect(sampledFlag(start({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }))).toBe('00');
    // A root sampler that ignores the parent: sampled although the caller said not.
    expect(sampledFlag(start({ OTEL_TRACES_SAMPLER: 'always_on' }), `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`)).toBe('01');
  });
});
