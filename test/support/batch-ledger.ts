import type pg from 'pg';

/** What Postgres and the output files say about one batch: the figures exactly-once is judged on. */
export interface BatchLedger {
  status: string;
  /** Lines in the input file. */
  lines: number;
  /** Lines with a result row (at most one each: the request id is the primary key). */
  results: number;
  /** Input lines without any result. */
  lost: number;
  /** Result rows by status. */
  completed: number;
  failed: number;
  /** Usage rows of the batch's lines (bills). */
  usageRows: number;
  /** Lines the batch's own counters saw beyond its result rows: a line counted (and billed) twice. */
  countedTwice: number;
  /** The batch's cost equals the sum of its usage rows. */
  costAgrees: boolean;
  /** Lines of the output and error files, and custom_ids appearing in them more than once. */
  fileLines: number;
  fileDuplicates: number;
}

/** Reads the ledger of a finished batch; `download` fetches a file's content through the API. */
export async function batchLedger(options: { sql: pg.Pool; batchId: string; download: (fileId: string) => Promise<string> }): Promise<BatchLedger> {
  const { sql, batchId } = options;
  const { rows: batches } = await sql.query<{
    status: string;
    total_count: number;
    completed_count: number;
    failed_count: number;
    cost: string;
    output_file_id: string | null;
    error_file_id: string | null;
    input_file_id: string;
  }>('SELECT status, total_count, completed_count, failed_count, cost::text, output_file_id, error_file_id, input_file_id FROM batches WHERE id = $1', [batchId]);
  const batch = batches[0];
  if (!batch) throw new Error(`no batch ${batchId}`);
  const { rows: counts } = await sql.query<{ lines: number; results: number; lost: number; completed: number; failed: number; usage_rows: number; usage_cost: string }>(
    `SELECT (SELECT count(*)::int FROM file_lines WHERE file_id = $2) AS lines,
            (SELECT count(*)::int FROM requests WHERE batch_id = $1) AS results,
            (SELECT count(*)::int FROM file_lines fl WHERE fl.file_id = $2
               AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.batch_id = $1 AND r.line_number = fl.line_number)) AS lost,
            (SELECT count(*)::int FROM requests WHERE batch_id = $1 AND status = 'completed') AS completed,
            (SELECT count(*)::int FROM requests WHERE batch_id = $1 AND status <> 'completed') AS failed,
            (SELECT count(*)::int FROM usage WHERE batch_id = $1) AS usage_rows,
            (SELECT coalesce(sum(cost), 0)::text FROM usage WHERE batch_id = $1) AS usage_cost`,
    [batchId, batch.input_file_id],
  );
  const count = counts[0]!;
  const ids: string[] = [];
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    for (const line of (await options.download(fileId)).split('\n')) {
      if (line.length > 0) ids.push((JSON.parse(line) as { custom_id: string }).custom_id);
    }
  }
  return {
    status: batch.status,
    lines: count.lines,
    results: count.results,
    lost: count.lost,
    completed: count.completed,
    failed: count.failed,
    usageRows: count.usage_rows,
    countedTwice: Math.max(0, batch.completed_count + batch.failed_count - count.results),
    costAgrees: Number(batch.cost) === Number(count.usage_cost),
    fileLines: ids.length,
    fileDuplicates: ids.length - new Set(ids).size,
  };
}

/** The ledger of a batch of `lines` lines that all completed, each exactly once. */
export function exactlyOnce(lines: number): Partial<BatchLedger> {
  return { status: 'completed', lines, results: lines, lost: 0, completed: lines, failed: 0, usageRows: lines, countedTwice: 0, costAgrees: true, fileLines: lines, fileDuplicates: 0 };
}
