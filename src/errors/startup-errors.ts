/**
 * Why a process did not start, for main.ts to log once (fatal) and exit on. Each carries the fields
 * of its log line in `details` and is recognised by `name` as well as `instanceof`.
 */
export class StartupTimeoutError extends Error {
  override readonly name = 'StartupTimeoutError';

  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A SIGTERM or SIGINT arrived while the process was still starting: not a failure (exit 0). */
export class StartupAbortedError extends Error {
  override readonly name = 'StartupAbortedError';

  constructor() {
    super('stopped during start-up');
  }
}

/** Another deployment (another database) already uses this Redis prefix. */
export class DeploymentConflictError extends Error {
  override readonly name = 'DeploymentConflictError';

  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isStartupAborted(error: unknown): boolean {
  return error instanceof Error && (error.name === 'StartupAbortedError' || error.name === 'AbortError');
}

/** The fields to log with an error of this module; `undefined` for any other error. */
export function startupErrorDetails(error: unknown): Record<string, unknown> | undefined {
  if (error instanceof StartupTimeoutError || error instanceof DeploymentConflictError) return error.details;
  return undefined;
}
