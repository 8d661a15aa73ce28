/** What the batch benchmark's native case reads from a finished batch: its provider batches' timings, and what the provider was sent. */
import type pg from 'pg';
import { lineNumberOfCustomId } from '../src/batches/native-batch-lines.ts';
import type { OpenAIBatchServer } from '../test/support/openai-batch-server.ts';

/** One provider batch (a part) of a gateway batch, timed from its `provider_batches` row and its lines' `requests` rows. */
export interface NativePartFigures {
  id: string;
  lines: number;
  /** `ingested` once every line of it has its result; the timings below are NaN until then. */
  status: string;
  /** Upload and create at the provider: `submit_started_at` → `submitted_at`. */
  submitSeconds: number;
  /** Reading the results in: `ended_at` → `settled_at` (see {@link readNativeParts}). */
  ingestSeconds: number;
  /** First to last result line written (`requests.completed_at`): the ingest window less its first page's fetch and its last commit. */
  resultsWrittenSeconds: number;
  /** Epoch seconds. */
  ended: number;
  settled: number;
}

export interface NativeIngestFigures {
  parts: NativePartFigures[];
  /** Lines of the parts, ingested or not. */
  lines: number;
  allIngested: boolean;
  /** Seconds in which at least one part was being read in (parts read side by side count once, a wait between them not at all). */
  ingestSeconds: number;
}

/**
 * The batch's provider batches, each with its ingest window `ended_at` → `settled_at`. `ended_at` is
 * written by the poll that saw the provider batch end, just before the worker starts reading its
 * results file; `settled_at` once the last page of results is committed (and any line without a
 * result recorded). So the window is the read-in alone: the results file streamed, its lines looked
 * up (`loadPartLines`), converted, priced and written, and neither the provider's run nor the polling
 * delay before it. `requests.completed_at` is stamped when a page is converted, so min→max of it would
 * leave out the first page's fetch and the last page's commit; it is reported beside it as a check.
 */
export async function readNativeParts(sql: pg.Pool, batchId: string): Promise<NativeIngestFigures> {
  const { rows } = await sql.query<{
    id: string;
    lines: number;
    status: string;
    submit_started: number | null;
    submitted: number | null;
    ended: number | null;
    settled: number | null;
    first_result: number | null;
    last_result: number | null;
  }>(
    `SELECT p.id, p.line_count AS lines, p.status,
       extract(epoch FROM p.submit_started_at)::float8 AS submit_started, extract(epoch FROM p.submitted_at)::float8 AS submitted,
       extract(epoch FROM p.ended_at)::float8 AS ended, extract(epoch FROM p.settled_at)::float8 AS settled,
       extract(epoch FROM r.first_result)::float8 AS first_result, extract(epoch FROM r.last_result)::float8 AS last_result
     FROM provider_batches p
     LEFT JOIN (
       SELECT provider_batch_id, min(completed_at) AS first_result, max(completed_at) AS last_result FROM requests WHERE batch_id = $1 GROUP BY provider_batch_id
     ) r ON r.provider_batch_id = p.provider_batch_id
     WHERE p.batch_id = $1
     ORDER BY p.id`,
    [batchId],
  );
  const seconds = (from: number | null, to: number | null) => (from === null || to === null ? Number.NaN : to - from);
  const parts = rows.map((row) => ({
    id: row.id,
    lines: row.lines,
    status: row.status,
    submitSeconds: seconds(row.submit_started, row.submitted),
    ingestSeconds: row.status === 'ingested' ? seconds(row.ended, row.settled) : Number.NaN,
    resultsWrittenSeconds: seconds(row.first_result, row.last_result),
    ended: row.ended ?? Number.NaN,
    settled: row.settled ?? Number.NaN,
  }));
  const ingested = parts.filter((part) => part.status === 'ingested');
  return {
    parts,
    lines: parts.reduce((sum, part) => sum + part.lines, 0),
    allIngested: parts.length > 0 && ingested.length === parts.length,
    ingestSeconds: ingested.length === parts.length ? coveredSeconds(parts.map((part) => [part.ended, part.settled])) : Number.NaN,
  };
}

/** The length of the union of `[from, to]` intervals. */
function coveredSeconds(intervals: Array<[number, number]>): number {
  let covered = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (to <= end) continue;
    covered += to - Math.max(from, end);
    end = to;
  }
  return covered;
}

/** What the provider's batch API got for one gateway batch: lines by custom id (the gateway's request ids, `batch_req_<batch>_<line>`). */
export function providerSubmissions(server: OpenAIBatchServer, batchId: string): { lines: number; sentOnce: boolean } {
  let lines = 0;
  let sentOnce = true;
  for (const [customId, count] of server.linesReceived) {
    if (lineNumberOfCustomId(batchId, customId) === undefined) continue;
    lines += 1;
    sentOnce &&= count === 1;
  }
  return { lines, sentOnce };
}
