import { describe, expect, it } from 'vitest';
import { readTracingSettings } from './tracing-settings.ts';

describe('readTracingSettings', () => {
  it('is off, silently, when no OTEL_* variable asks for traces', () => {
    expect(readTracingSettings({})).toEqual({ enabled: false, warnings: [] });
    // Variables that configure an exporter without naming where spans go do not turn tracing on.
    expect(readTracingSettings({ OTEL_SERVICE_NAME: 'gw', OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toEqual({ enabled: false, warnings: [] });
  });

  it('is on with an endpoint, appending the traces path to the general one and taking the traces one as it is', () => {
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({ enabled: true, protocol: 'http/protobuf', endpoint: 'http://collector:4318/v1/traces' });
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom' })).toMatchObject({ endpoint: 'http://b:9999/custom' });
  });

  it('is on with OTEL_TRACES_EXPORTER=otlp alone, towards the SDK’s default endpoint', () => {
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ enabled: true, endpoint: 'http://localhost:4318/v1/traces' });
  });

  it.each([
    [{ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'OTEL_SDK_DISABLED is true'],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'OTEL_TRACES_EXPORTER is none'],
    [{ OTEL_TRACES_EXPORTER: 'otlp,none' }, 'OTEL_TRACES_EXPORTER is none'],
  ])('is off when told so, whatever else is set (%j)', (environment, reason) => {
    expect(readTracingSettings(environment)).toMatchObject({ enabled: false, reason });
  });

  it('takes the traces protocol over the general one, http/json as asked', () => {
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toMatchObject({
      protocol: 'http/json',
      warnings: [],
    });
  });

  it('warns about what it cannot honour and never refuses to start', () => {
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' })).toMatchObject({
      enabled: true,
      protocol: 'http/protobuf',
      warnings: ["OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' is not one of http/protobuf, http/json; using http/protobuf"],
    });
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({
      enabled: false,
      reason: 'OTEL_EXPORTER_OTLP_PROTOCOL is grpc',
      warnings: [expect.stringContaining('grpc is not supported')],
    });
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'console,otlp' })).toMatchObject({ enabled: true, warnings: ['OTEL_TRACES_EXPORTER: console not supported (only otlp); ignored'] });
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toMatchObject({ enabled: false, reason: 'OTEL_TRACES_EXPORTER names no otlp exporter' });
  });

  it('hands the header values over as secrets for the log to censor', () => {
    const settings = readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-token,x-tenant=acme-corp' });
    expect(settings.enabled && settings.secrets).toEqual(['Bearer s3cr3t-token', 'Bearer%20s3cr3t-token', 'acme-corp', 'acme-corp']);
  });
});
