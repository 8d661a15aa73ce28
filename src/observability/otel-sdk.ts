import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logging/logger.ts';
import { createOtelTracing, type BatchLineTracingSettings } from './otel-tracing.ts';
import { TraceExportReporter } from './trace-export-reporter.ts';
import type { Tracing } from './tracing.ts';
import type { TracingSettings } from './tracing-settings.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * The OpenTelemetry SDK for one process: a tracer provider that is never registered globally (so
 * libraries with tracing of their own, drizzle's queries among them, make no spans), a batch span
 * processor (`OTEL_BSP_*`) and the OTLP exporter of the configured protocol, which reads its endpoint,
 * headers, timeout and compression from the environment. Its diagnostics go to the gateway's log.
 */
export function startOtelSdk(options: { settings: Extract<TracingSettings, { enabled: true }>; batchLines: BatchLineTracingSettings; logger: Logger; role: string }): Tracing {
  const { settings, logger } = options;
  const reporter = new TraceExportReporter(logger, settings.endpoint);
  diag.setLogger(reporter.diagLogger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  setGlobalErrorHandler(reporter.handleError);
  // Later resources win: the gateway's defaults over the SDK's, OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES over both.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'llm-gateway', 'service.version': version, 'service.instance.id': randomUUID(), 'gateway.role': options.role, 'process.pid': process.pid }))
    .merge(detectResources({ detectors: [envDetector] }));
  const exporter = settings.protocol === 'http/json' ? new JsonTraceExporter() : new ProtobufTraceExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(reporter.wrap(exporter))] });
  return createOtelTracing({ tracer: provider.getTracer('llm-gateway', version), batchLines: options.batchLines, shutdown: () => flushAndStop(provider, logger) });
}

/** How long the last export may take at shutdown: a collector that does not answer must not hold the exit. */
const shutdownFlushMs = 5000;

/** Exports what is buffered and stops the SDK; never rejects, and gives up after {@link shutdownFlushMs}. */
async function flushAndStop(provider: BasicTracerProvider, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn({ afterMs: shutdownFlushMs }, 'spans not exported in time at shutdown; dropped');
      resolve();
    }, shutdownFlushMs);
  });
  const stopped = provider.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'stopping the tracing SDK failed'));
  await Promise.race([stopped, timedOut]);
  clearTimeout(timer);
}
