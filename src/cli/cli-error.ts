/**
 * How the CLI ends. 0: done (a waited-on batch completed with every line answered). 1: an error (bad
 * usage or input, no key, an HTTP error, the gateway unreachable). 2: a waited-on batch ended without
 * completing (failed, expired or cancelled). 3: a waited-on batch completed but some of its lines failed.
 * 130: interrupted (Ctrl-C while waiting; the batch keeps running).
 */
export const exitCodes = { success: 0, error: 1, batchNotCompleted: 2, batchLinesFailed: 3, interrupted: 130 } as const;

/**
 * An expected failure (bad input, HTTP error, gateway down): printed as one line on stderr, no stack.
 * Recognised by `name` as well as `instanceof`, as the house's error classes are.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  /** The gateway was unreachable or answered 5xx: worth another try while waiting on a batch. */
  readonly transient: boolean;
  /** The gateway's HTTP answer, when there was one: its status, error code and Retry-After. */
  readonly http: { status: number; code: string | null; retryAfterMs: number | undefined } | undefined;

  constructor(message: string, options: { exitCode?: number; transient?: boolean; cause?: unknown; http?: { status: number; code: string | null; retryAfterMs: number | undefined } } = {}) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? exitCodes.error;
    this.transient = options.transient ?? false;
    this.http = options.http;
  }
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError || (error instanceof Error && error.name === 'CliError' && 'exitCode' in error);
}
