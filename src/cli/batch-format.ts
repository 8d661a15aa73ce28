import { formatTable, type TableColumn } from './format-table.ts';
import type { Batch } from './gateway-schemas.ts';
import { formatDuration } from './throughput-estimate.ts';

const number = (value: number) => value.toLocaleString('en-US');

/** Unix seconds as `2025-06-01 12:34:56Z`. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** When the batch reached its final status, if it has. */
export function finishedAt(batch: Batch): number | null {
  return batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at ?? null;
}

export function countsText(batch: Batch): string {
  const { total, completed, failed } = batch.request_counts;
  const pending = Math.max(0, total - completed - failed);
  return `${number(total)} total: ${number(completed)} completed, ${number(failed)} failed${pending > 0 ? `, ${number(pending)} pending` : ''}`;
}

/** `batch status`: the batch object for people. */
export function formatBatchSummary(batch: Batch): string {
  const finished = finishedAt(batch);
  const rows: Array<[string, string]> = [
    ['status', batch.status],
    ['requests', countsText(batch)],
    ['created', `${formatTime(batch.created_at)} (window ${batch.completion_window}, expires ${formatTime(batch.expires_at)})`],
  ];
  if (finished !== null) rows.push(['finished', `${formatTime(finished)} (took ${formatDuration(finished - batch.created_at)})`]);
  rows.push(['input file', batch.input_file_id]);
  if (batch.output_file_id) rows.push(['output file', batch.output_file_id]);
  if (batch.error_file_id) rows.push(['error file', batch.error_file_id]);
  if (batch.usage) {
    const { input_tokens: input, output_tokens: output } = batch.usage;
    rows.push(['usage', `${number(input)} input tokens${output === undefined ? '' : `, ${number(output)} output tokens`}`]);
  }
  if (batch.metadata && Object.keys(batch.metadata).length > 0) {
    rows.push([
      'metadata',
      Object.entries(batch.metadata)
        .map(([key, value]) => `${key}=${value}`)
        .join(', '),
    ]);
  }
  for (const error of batch.errors?.data ?? []) rows.push(['error', `${error.code ?? 'error'}: ${error.message}${error.line ? ` (line ${error.line})` : ''}`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return [batch.id, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}

/** `batch list`: one row a batch. */
export function formatBatchTable(batches: Batch[]): string {
  const columns: TableColumn[] = [{ title: 'ID' }, { title: 'STATUS' }, { title: 'DONE/TOTAL', align: 'right' }, { title: 'FAILED', align: 'right' }, { title: 'CREATED' }];
  const rows = batches.map((batch) => {
    const { total, completed, failed } = batch.request_counts;
    return [batch.id, batch.status, `${number(completed + failed)}/${number(total)}`, number(failed), formatTime(batch.created_at)];
  });
  return formatTable(columns, rows);
}
