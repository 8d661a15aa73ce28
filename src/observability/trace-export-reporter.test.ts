import { ExportResultCode } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { TraceExportReporter } from './trace-export-reporter.ts';

function recordingReporter() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger('debug', { destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) } });
  return { reporter: new TraceExportReporter(logger, 'http://collector:4318/v1/traces'), lines };
}

describe('TraceExportReporter', () => {
  it('warns once when exports start failing, says so once when they succeed again, and warns again at the next outage', () => {
    const { reporter, lines } = recordingReporter();
    const failed = { code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED') };
    reporter.report(failed, 10);
    reporter.report(failed, 10);
    reporter.handleError(new Error('connect ECONNREFUSED'));
    reporter.diagLogger.warn('export response retryable (status: 503)');
    reporter.report({ code: ExportResultCode.SUCCESS }, 3);
    reporter.report(failed, 1);
    const levels = (level: number) => lines.filter((line) => line.level === level).map((line) => line.msg);
    expect(levels(40)).toEqual([expect.stringContaining('cannot export traces'), expect.stringContaining('cannot export traces')]);
    expect(levels(30)).toEqual(['trace export resumed']);
    expect(levels(20)).toHaveLength(3);
  });

  it('passes other SDK warnings on as warnings while exports succeed', () => {
    const { reporter, lines } = recordingReporter();
    reporter.diagLogger.warn('Header "x" has invalid value');
    reporter.diagLogger.info('Export retry scheduled');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'OpenTelemetry: Header "x" has invalid value'],
      [20, 'OpenTelemetry: Export retry scheduled'],
    ]);
  });
});
