import type { Logger } from '../logging/logger.ts';
import type { BatchLineTracingSettings } from './otel-tracing.ts';
import { noTracing, type Tracing } from './tracing.ts';
import type { TracingSettings } from './tracing-settings.ts';

/**
 * The process's tracing: {@link noTracing} unless the `OTEL_*` variables ask for traces
 * (`readTracingSettings`), and only then is the OpenTelemetry SDK loaded. Logs what it decided: one
 * line when tracing is on, the reason when it was asked for and stays off, and each setting it
 * cannot honour.
 */
export async function startTracing(options: {
  settings: TracingSettings;
  batchLines: BatchLineTracingSettings;
  logger: Logger;
  /** `api`, `worker` or `all`: a resource attribute, so a trace shows which process made each span. */
  role: string;
}): Promise<Tracing> {
  const { settings } = options;
  const logger = options.logger.child({ component: 'tracing' });
  for (const warning of settings.warnings) logger.warn(warning);
  if (!settings.enabled) {
    if (settings.reason !== undefined) logger.info({ reason: settings.reason }, 'tracing off');
    return noTracing;
  }
  const { startOtelSdk } = await import('./otel-sdk.ts');
  const tracing = startOtelSdk({ ...options, settings, logger });
  logger.info({ endpoint: settings.endpoint, protocol: settings.protocol, batchLineRatio: options.batchLines.batchLineRatio }, 'tracing on: exporting spans over OTLP');
  return tracing;
}
