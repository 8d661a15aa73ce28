import { errorBodyOf, errorTypeFor } from '../errors/gateway-error.ts';
import type pg from 'pg';
import type { RequestStatus } from '../db/schema/requests.ts';
import { answerRendererFor } from '../formats/batch-line-formats.ts';
import type { ChatCompletion } from '../providers/chat-completion-schemas.ts';

/** The `requests` columns a batch output or error line is made of. */
export interface BatchResultRow {
  id: string;
  customId: string | null;
  status: RequestStatus;
  statusCode: number | null;
  /** `requests.response` as JSON text (jsonb::text), spliced in without a parse. */
  responseJson: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** Which rows each generated file holds. */
export const outputStatuses: RequestStatus[] = ['completed'];
export const errorStatuses: RequestStatus[] = ['failed', 'expired', 'cancelled'];

/** OpenAI's codes and wording for requests a batch never ran. */
const notRunErrors: Partial<Record<RequestStatus, { code: string; message: string }>> = {
  expired: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
  cancelled: { code: 'batch_cancelled', message: 'This request could not be executed before the batch was cancelled.' },
};

/**
 * A line of a batch output file, in OpenAI's shape:
 * `{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error": null}`.
 */
export function formatOutputLine(row: BatchResultRow): string {
  const id = JSON.stringify(row.id);
  return `{"id":${id},"custom_id":${JSON.stringify(row.customId)},` + `"response":{"status_code":${row.statusCode ?? 200},"request_id":${id},"body":${row.responseJson ?? 'null'}},"error":null}`;
}

/**
 * A line of a batch error file. `error` always carries the code and message; `response` is the
 * HTTP answer (OpenAI's error body) when the request ran and failed with a status, and null for
 * requests that never ran (expired, cancelled).
 */
export function formatErrorLine(row: BatchResultRow): string {
  const fallback = notRunErrors[row.status] ?? { code: 'internal_error', message: 'The request failed.' };
  const error = { code: row.errorCode ?? fallback.code, message: row.errorMessage ?? fallback.message };
  const response =
    row.status === 'failed' && row.statusCode !== null
      ? {
          status_code: row.statusCode,
          request_id: row.id,
          body: errorBodyOf({ code: error.code, status: row.statusCode, message: error.message }),
        }
      : null;
  return JSON.stringify({ id: row.id, custom_id: row.customId, response, error });
}

/** OpenAI's error `type` for a code we know, else for the HTTP status (the one rule every answer uses). */
export const errorType = errorTypeFor;

/** A result row with what a translated format's answer is rendered from. */
export interface RenderableResultRow extends BatchResultRow {
  lineNumber: number;
  model: string;
  createdAt: Date;
  completedAt: Date | null;
}

/**
 * The rows with each stored answer rendered in the batch's format (a Response, an Anthropic Message),
 * when its endpoint is a translated one; as they are otherwise. Answers are stored as the internal chat
 * completion, as a sync call's are, and rendered when read: the bodies the Responses renderer echoes are
 * read for the page's completed lines in one query.
 */
export async function renderBatchAnswers<Row extends RenderableResultRow>(pool: pg.Pool, batch: { endpoint: string; inputFileId: string }, rows: Row[]): Promise<Row[]> {
  const render = answerRendererFor(batch.endpoint);
  if (!render) return rows;
  const answered = rows.filter((row) => row.status === 'completed' && row.responseJson !== null);
  if (answered.length === 0) return rows;
  const { rows: lines } = await pool.query<{ line_number: number; content: string }>('SELECT line_number, content FROM file_lines WHERE file_id = $1 AND line_number = ANY($2::int[])', [
    batch.inputFileId,
    answered.map((row) => row.lineNumber),
  ]);
  const bodies = new Map(lines.map((line) => [line.line_number, bodyOfLine(line.content)]));
  return rows.map((row) => {
    if (row.status !== 'completed' || row.responseJson === null) return row;
    const answer = JSON.parse(row.responseJson) as ChatCompletion;
    const context = { requestId: row.id, model: row.model, body: bodies.get(row.lineNumber), createdAt: row.createdAt, completedAt: row.completedAt };
    return { ...row, responseJson: JSON.stringify(render(answer, context)) };
  });
}

function bodyOfLine(content: string): unknown {
  try {
    const envelope: unknown = JSON.parse(content);
    return typeof envelope === 'object' && envelope !== null ? (envelope as Record<string, unknown>)['body'] : undefined;
  } catch {
    return undefined;
  }
}
