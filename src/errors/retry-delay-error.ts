/** Thrown to have BullMQ retry the job after `retryDelayMs` (read by `providerBackoff`). */
export class RetryDelayError extends Error {
  override readonly name = 'RetryDelayError';

  constructor(
    message: string,
    readonly retryDelayMs: number,
  ) {
    super(message);
  }
}
