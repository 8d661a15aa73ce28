import { GatewayError } from '../errors/gateway-error.ts';

/**
 * What is wrong with a JSONL file (or an inline batch's requests), found while streaming it.
 * Kept apart from GatewayError so the same checks can name "line 3" for an upload and
 * something else (e.g. `requests[2]`) for an inline batch.
 */
export interface FileProblemDetail {
  /** `invalid` answers 400 `invalid_file`; `too_large` answers 413 `file_too_large`. */
  kind: 'invalid' | 'too_large';
  reason: string;
  /** 1-based line the problem is on; absent for whole-file problems (e.g. empty file). */
  lineNumber?: number;
  /** For a duplicated custom_id: the line where it first appeared. */
  firstSeenOnLine?: number;
}

export class FileProblem extends Error {
  override readonly name = 'FileProblem';

  constructor(readonly detail: FileProblemDetail) {
    super(describeFileProblem(detail));
  }
}

export type LineLabel = (lineNumber: number) => string;

export const fileLineLabel: LineLabel = (lineNumber) => `line ${lineNumber}`;

/** `line 3: custom_id 'x' is duplicated (first seen on line 1)`. */
export function describeFileProblem(detail: FileProblemDetail, label: LineLabel = fileLineLabel): string {
  const where = detail.lineNumber === undefined ? '' : `${label(detail.lineNumber)}: `;
  const firstSeen = detail.firstSeenOnLine === undefined ? '' : ` (first seen on ${label(detail.firstSeenOnLine)})`;
  return `${where}${detail.reason}${firstSeen}`;
}

/** The answer to a bad upload: OpenAI's error shape, `param: "file"`, the first bad line named. */
export function fileProblemError(detail: FileProblemDetail, options: { param?: string; label?: LineLabel } = {}): GatewayError {
  const message = describeFileProblem(detail, options.label);
  return new GatewayError({
    code: detail.kind === 'too_large' ? 'file_too_large' : 'invalid_file',
    message: detail.kind === 'too_large' ? message : `The file is not a valid batch input file: ${message}`,
    param: options.param ?? 'file',
  });
}

/** Long ids would make long messages; the start is enough to find the line. */
export function quoteId(value: string): string {
  return value.length <= 80 ? `'${value}'` : `'${value.slice(0, 80)}…'`;
}
