import type { ProviderError } from '../errors/provider-error.ts';

/** The parts of a ProviderError the decisions read (errors cross process boundaries as plain data). */
export type FailureFacts = Pick<ProviderError, 'status' | 'code' | 'message' | 'retryable' | 'retryAfterMs'>;

/** How retries on one route are paced. */
export interface RetryPolicy {
  /** Cap of the exponential backoff, before jitter. @defaultValue 30000 */
  maxBackoffMs: number;
  /** A longer Retry-After is not waited out: the next route is tried at once, or the error returned. @defaultValue 60000 */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxBackoffMs: 30_000, maxRetryAfterMs: 60_000 };

/**
 * The provider, not the request, is at fault: no answer (a network error or timeout, which are
 * retryable), 408, 409, 429 or 5xx. The next route may do better. A failure without a status that is
 * not retryable is the gateway's own (an unexpected exception, a spent budget): nobody's outage.
 */
export function isProviderSideFailure(error: FailureFacts): boolean {
  if (error.status === undefined) return error.retryable;
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

// Phrasings of "the prompt does not fit" by OpenAI, Azure, Anthropic, Gemini, Mistral and vLLM.
const contextLengthPatterns = [
  /context[ _-]?(length|window)/i,
  /prompt is too long/i,
  /input token count .*exceeds/i,
  /(exceeds?|exceeded|over) (the )?max(imum)? (context |input |prompt )?length/i,
  /maximum (context |input |prompt )?length .*(exceeded|is \d+)/i,
];

/**
 * The request is too long for this route's model — the one client error another route (a model
 * with a larger window) may serve: OpenAI's code `context_length_exceeded`, or a 400/422 whose
 * message says the context or maximum length is exceeded.
 */
export function isContextLengthError(error: FailureFacts): boolean {
  if (error.code === 'context_length_exceeded') return true;
  if (error.status !== 400 && error.status !== 422) return false;
  return contextLengthPatterns.some((pattern) => pattern.test(error.message));
}

/**
 * What a failed call says about the provider's health: provider-side failures count, a client error
 * shows the provider answering (a success), the gateway's own errors say nothing. Only for calls that
 * reached the provider: a limiter's wait timeout is no verdict on it.
 */
export function breakerOutcomeOf(error: FailureFacts): 'success' | 'failure' | undefined {
  if (error.status === undefined && !error.retryable) return undefined;
  return isProviderSideFailure(error) ? 'failure' : 'success';
}

/**
 * Exponential backoff with full jitter: uniformly random in [0, min(cap, base × 2^(attempt-1))), so
 * callers that failed together do not retry together.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelayMs(options: { attempt: number; baseDelayMs: number; maxBackoffMs: number; random: () => number }): number {
  const ceiling = Math.min(options.maxBackoffMs, options.baseDelayMs * 2 ** Math.max(0, options.attempt - 1));
  return Math.floor(options.random() * ceiling);
}

export type FailoverReason = 'context_length' | 'retries_exhausted' | 'retry_after_too_long' | 'deadline';

export type FailureDecision = { action: 'retry'; delayMs: number } | { action: 'fallback'; reason: FailoverReason } | { action: 'fail' };

/**
 * After a failed call: retry the same route, move on to the next one, or give up.
 * - A context-length error moves on at once (retrying cannot help; a larger model might).
 * - A retryable failure is retried while attempts remain, after the provider's Retry-After or a
 *   jittered backoff — unless Retry-After is longer than `maxRetryAfterMs` or the wait would pass
 *   the deadline, in which case the next route is tried at once.
 * - A provider-side failure with no attempts left moves on.
 * - Anything else (400, 401, 403, 404, 413, 422 …) fails at once: another route would refuse it too.
 * No route is started past the deadline.
 */
export function decideAfterFailure(options: {
  error: FailureFacts;
  /** The attempt on this route that just failed, from 1. */
  attempt: number;
  maxAttempts: number;
  hasNextRoute: boolean;
  now: number;
  /** Epoch ms after which nothing new starts; undefined: no bound (async and batch work). */
  deadline?: number | undefined;
  baseDelayMs: number;
  policy: RetryPolicy;
  random: () => number;
}): FailureDecision {
  const { error, policy } = options;
  const fallback = (reason: FailoverReason): FailureDecision =>
    options.hasNextRoute && (options.deadline === undefined || options.now < options.deadline) ? { action: 'fallback', reason } : { action: 'fail' };

  if (isContextLengthError(error)) return fallback('context_length');
  if (error.retryable && options.attempt < options.maxAttempts) {
    if (error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs) return fallback('retry_after_too_long');
    const delayMs = error.retryAfterMs ?? backoffDelayMs({ attempt: options.attempt, baseDelayMs: options.baseDelayMs, maxBackoffMs: policy.maxBackoffMs, random: options.random });
    if (options.deadline === undefined || options.now + delayMs < options.deadline) return { action: 'retry', delayMs };
    return fallback('deadline');
  }
  return isProviderSideFailure(error) ? fallback('retries_exhausted') : { action: 'fail' };
}
