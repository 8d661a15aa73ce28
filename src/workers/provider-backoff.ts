/** The job's `backoff.delay`: its provider's `retryBaseDelayMs`, set when it was queued. */
export function backoffBaseDelay(job: { opts: { backoff?: unknown } }): number {
  const backoff = job.opts.backoff;
  return typeof backoff === 'object' && backoff !== null && 'delay' in backoff && typeof backoff.delay === 'number' ? backoff.delay : 500;
}

/**
 * BullMQ backoff: the delay the processor chose (Retry-After, or a jittered exponential backoff); for
 * any other error, the provider's Retry-After when it sent one, else exponential from the base delay.
 */
export function providerBackoff(attemptsMade: number, _type: string | undefined, error: Error | undefined, job?: { opts: { backoff?: unknown } }): number {
  if (error && 'retryDelayMs' in error && typeof error.retryDelayMs === 'number') return error.retryDelayMs;
  const retryAfter = error && 'retryAfterMs' in error && typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined) return retryAfter;
  return (job ? backoffBaseDelay(job) : 500) * 2 ** Math.max(0, attemptsMade - 1);
}
