import type pg from 'pg';
import { GatewayError } from '../errors/gateway-error.ts';
import { FileLineWriter } from './file-line-writer.ts';
import { describeFileProblem, FileProblem, type FileProblemDetail } from './file-problem.ts';
import type { FileRecord } from './file-record.ts';
import { checkInlineBatchRequest, type batchEndpoints } from './jsonl-line-schema.ts';

export interface StoreJsonlLinesOptions {
  pool: pg.Pool;
  projectId: string;
  /** `{custom_id, body}` objects, validated here exactly as an uploaded file's lines are. */
  requests: AsyncIterable<unknown> | Iterable<unknown>;
  filename?: string;
  /** Refused beyond this many requests (e.g. `batches.maxInlineRequests`). */
  maxLines?: number;
  /** The path every line calls: the batch's endpoint. @defaultValue chat completions */
  url?: (typeof batchEndpoints)[number];
  /** Turns a problem into the answer; defaults to 400 `invalid_request_body` naming `requests[i]`. */
  errorFor?: (detail: FileProblemDetail) => GatewayError;
  /** Runs in the file's transaction before it commits (see `FileLineWriter.commit`). */
  within?: (client: pg.PoolClient, file: FileRecord) => Promise<void>;
}

const inlineLabel = (lineNumber: number) => `requests[${lineNumber - 1}]`;

function inlineError(detail: FileProblemDetail): GatewayError {
  return new GatewayError({
    code: 'invalid_request_body',
    message: describeFileProblem(detail, inlineLabel),
    param: detail.lineNumber === undefined ? 'requests' : inlineLabel(detail.lineNumber),
  });
}

/**
 * Stores an inline batch's requests as a `files` row of kind `inline` (purpose `batch`) with one
 * `file_lines` row each — the same rows an upload makes, so batches read every input one way.
 * Line n is `requests[n-1]`, rendered as the JSONL line `{custom_id, method, url, body}`.
 * Everything happens in one transaction; on a problem nothing is stored and a GatewayError is thrown.
 */
export async function storeJsonlLines(options: StoreJsonlLinesOptions): Promise<FileRecord> {
  const writer = await FileLineWriter.begin(options.pool, {
    projectId: options.projectId,
    filename: options.filename ?? 'inline-requests.jsonl',
    purpose: 'batch',
    kind: 'inline',
  });
  try {
    let lineNumber = 0;
    let bytes = 0;
    for await (const request of options.requests) {
      lineNumber += 1;
      if (options.maxLines !== undefined && lineNumber > options.maxLines) {
        throw new FileProblem({ kind: 'too_large', lineNumber, reason: `more than ${options.maxLines} requests` });
      }
      const check = checkInlineBatchRequest(request, options.url);
      if (!check.ok) {
        await writer.flush();
        throw new FileProblem({ kind: 'invalid', lineNumber, reason: check.reason });
      }
      bytes += Buffer.byteLength(check.content) + 1;
      await writer.append({ lineNumber, customId: check.customId, content: check.content });
    }
    if (lineNumber === 0) throw new FileProblem({ kind: 'invalid', reason: 'no requests' });
    return await writer.commit({ bytes, lineCount: lineNumber }, options.within);
  } catch (error) {
    await writer.abort();
    if (error instanceof FileProblem) throw (options.errorFor ?? inlineError)(error.detail);
    throw error;
  }
}

/** The inline batch's input file id: what `POST /v1/batches` with `requests` needs. */
export async function storeInlineBatchFile(options: StoreJsonlLinesOptions): Promise<string> {
  return (await storeJsonlLines(options)).id;
}
