import type { DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logging/logger.ts';

/**
 * What the OpenTelemetry SDK has to say, in the gateway's JSON log and nowhere else (never the
 * console). A collector that does not answer is one warning when exports start failing and one info
 * line when they succeed again, not a line per export: the SDK's own complaints about it (its diag
 * lines, the batch processor's rejected exports) are debug lines while exports fail. Spans that
 * cannot be exported are dropped; requests never wait for them.
 */
export class TraceExportReporter {
  private failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly endpoint: string,
  ) {}

  /** The exporter, with each export's result reported here before the SDK sees it. */
  wrap(exporter: SpanExporter): SpanExporter {
    return {
      export: (spans, done) =>
        exporter.export(spans, (result) => {
          this.report(result, spans.length);
          done(result);
        }),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
  }

  report(result: ExportResult, spans: number): void {
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.failing) this.logger.info({ endpoint: this.endpoint }, 'trace export resumed');
      this.failing = false;
      return;
    }
    if (this.failing) {
      this.logger.debug({ endpoint: this.endpoint, err: result.error, spans }, 'trace export failed again; spans dropped');
      return;
    }
    this.failing = true;
    this.logger.warn({ endpoint: this.endpoint, err: result.error, spans }, 'cannot export traces: spans are dropped until the collector answers (requests are not affected)');
  }

  /** OpenTelemetry's global error handler: most of what reaches it is a failed export, already reported. */
  readonly handleError = (error: unknown): void => {
    if (this.failing) this.logger.debug({ err: error }, 'OpenTelemetry error while trace export fails');
    else this.logger.warn({ err: error }, 'OpenTelemetry error');
  };

  /** OpenTelemetry's diag logger: warnings and errors as pino warnings (debug while exports fail), the rest as debug. */
  readonly diagLogger: DiagLogger = {
    error: (message, ...args) => this.diag('warn', message, args),
    warn: (message, ...args) => this.diag('warn', message, args),
    info: (message, ...args) => this.diag('debug', message, args),
    debug: (message, ...args) => this.diag('debug', message, args),
    verbose: (message, ...args) => this.diag('debug', message, args),
  };

  private diag(level: 'warn' | 'debug', message: string, args: unknown[]): void {
    const fields = args.length > 0 ? { details: args.map((arg) => (arg instanceof Error ? arg.message : arg)) } : {};
    if (level === 'warn' && !this.failing) this.logger.warn(fields, `OpenTelemetry: ${message}`);
    else this.logger.debug(fields, `OpenTelemetry: ${message}`);
  }
}
