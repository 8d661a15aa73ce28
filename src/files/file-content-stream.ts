import { Readable } from 'node:stream';
import type pg from 'pg';
import type { RequestStatus } from '../db/schema/requests.ts';
import { errorStatuses, formatErrorLine, formatOutputLine, outputStatuses, renderBatchAnswers, type RenderableResultRow } from './batch-result-lines.ts';
import type { FileRecord } from './file-record.ts';

/**
 * Page sizes adapt to the lines: about 1 MiB of text a query whatever a line weighs (lines may be
 * megabytes), at most 5,000 rows. The first page is small until the line size is known.
 */
const targetPageChars = 1024 * 1024;
const maxPageRows = 5000;
const firstPageRows = 100;

export function nextPageRows(rows: number, chars: number): number {
  if (rows === 0 || chars === 0) return maxPageRows;
  return Math.max(1, Math.min(maxPageRows, Math.floor(targetPageChars / (chars / rows))));
}

/**
 * The content of a file as a byte stream of JSONL (every line ends in `\n`): stored lines for
 * uploads and inline batches, the batch's `requests` rows for output and error files.
 *
 * Pages are read only when the client has taken the previous one (the stream pulls), each with its
 * own short query from the pool: memory stays at one page, and a slow download holds no connection
 * between pages.
 */
export function fileContentStream(pool: pg.Pool, file: FileRecord): Readable {
  if (file.kind === 'batch_output' || file.kind === 'batch_error') {
    if (file.batchId === null) return Readable.from([], { objectMode: false });
    const output = file.kind === 'batch_output';
    return batchLinesStream(pool, file.batchId, { statuses: output ? outputStatuses : errorStatuses, format: output ? formatOutputLine : formatErrorLine });
  }
  return Readable.from(storedLinePages(pool, file.id), { objectMode: false });
}

/**
 * A batch's results as JSONL, in line order, paged as `fileContentStream` pages: the lines of the
 * given statuses, each written by `format` (answers already rendered in the batch's format).
 */
export function batchLinesStream(pool: pg.Pool, batchId: string, options: { statuses: readonly RequestStatus[]; format: (row: RenderableResultRow) => string }): Readable {
  return Readable.from(batchResultPages(pool, batchId, options), { objectMode: false });
}

interface LineBounds {
  min: number | null;
  max: number | null;
}

/**
 * Pages as windows of line numbers, `after < line_number <= until`, between the first and last
 * line (two index probes). Not `line_number > $after ORDER BY line_number LIMIT n`: right after a
 * large upload the table's statistics are stale, and Postgres then plans that as a bitmap scan plus
 * a sort of every remaining line — each page costing the rest of the file, the download quadratic
 * (measured: 0.2 s a page at line 100,000 of 200,000). A bounded window costs one page whatever the plan.
 */
async function* linePages(bounds: LineBounds | undefined, readWindow: (after: number, until: number) => Promise<string[]>): AsyncGenerator<string> {
  if (bounds?.min == null || bounds.max == null) return;
  let after = bounds.min - 1;
  let window = firstPageRows;
  while (after < bounds.max) {
    const until = Math.min(bounds.max, after + window);
    const lines = await readWindow(after, until);
    let text = '';
    for (const line of lines) text += `${line}\n`;
    if (text.length > 0) yield text;
    window = nextPageRows(lines.length, text.length);
    after = until;
  }
}

function storedLinePages(pool: pg.Pool, fileId: string): AsyncGenerator<string> {
  return (async function* () {
    const { rows } = await pool.query<LineBounds>('SELECT min(line_number) AS min, max(line_number) AS max FROM file_lines WHERE file_id = $1', [fileId]);
    yield* linePages(rows[0], async (after, until) => {
      const page = await pool.query<{ content: string }>('SELECT content FROM file_lines WHERE file_id = $1 AND line_number > $2 AND line_number <= $3 ORDER BY line_number', [fileId, after, until]);
      return page.rows.map((row) => row.content);
    });
  })();
}

export interface RequestResultRow {
  id: string;
  custom_id: string | null;
  status: RequestStatus;
  status_code: number | null;
  response_json: string | null;
  error_code: string | null;
  error_message: string | null;
  line_number: number;
  model: string;
  created_at: Date;
  completed_at: Date | null;
}

async function* batchResultPages(pool: pg.Pool, batchId: string, { statuses, format }: { statuses: readonly RequestStatus[]; format: (row: RenderableResultRow) => string }): AsyncGenerator<string> {
  // The batch's endpoint says how answers are rendered; lines written without a batch row are read as stored.
  const { rows } = await pool.query<LineBounds & { endpoint: string | null; input_file_id: string | null }>(
    `SELECT min(line_number) AS min, max(line_number) AS max, (SELECT endpoint FROM batches WHERE id = $1) AS endpoint,
            (SELECT input_file_id FROM batches WHERE id = $1) AS input_file_id
     FROM requests WHERE batch_id = $1`,
    [batchId],
  );
  const batch = rows[0];
  if (!batch) return;
  yield* linePages(batch, async (after, until) => {
    // jsonb::text: the response is spliced into the line as text, never parsed here (unless its format renders it).
    const page = await pool.query<RequestResultRow>(
      `SELECT id, custom_id, status, status_code, response::text AS response_json, error_code, error_message, line_number, model, created_at, completed_at
       FROM requests WHERE batch_id = $1 AND line_number > $2 AND line_number <= $3 AND status = ANY($4::text[])
       ORDER BY line_number`,
      [batchId, after, until, statuses],
    );
    const rows = page.rows.map(toResultRow);
    const rendered = batch.endpoint === null || batch.input_file_id === null ? rows : await renderBatchAnswers(pool, { endpoint: batch.endpoint, inputFileId: batch.input_file_id }, rows);
    return rendered.map((row) => format(row));
  });
}

export function toResultRow(row: RequestResultRow): RenderableResultRow {
  return {
    id: row.id,
    customId: row.custom_id,
    status: row.status,
    statusCode: row.status_code,
    responseJson: row.response_json,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    lineNumber: row.line_number,
    model: row.model,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}
