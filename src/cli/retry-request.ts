import { setTimeout as sleep } from 'node:timers/promises';
import { isCliError, type CliError } from './cli-error.ts';

export interface RetryOptions {
  /** Tries in all, the first included. @defaultValue 4 */
  attempts?: number;
  /** The wait before the first retry without a Retry-After; doubled each time. @defaultValue 1000 */
  baseDelayMs?: number;
  /** No wait is longer, whatever Retry-After says. @defaultValue 30000 */
  maxDelayMs?: number;
  /** Told before each wait, e.g. to print a line. */
  onRetry?(error: CliError, nextAttempt: number, delayMs: number): void;
}

/**
 * The wait before retrying a request sent with an Idempotency-Key, or undefined when it should not be
 * retried. Worth retrying: no answer at all (a network error or a timeout: the request may or may not
 * have arrived, and the key makes a repeat safe), 503 (the gateway cannot reach Postgres or Redis), 429
 * (a rate limit; not a spent budget, which stays spent) and 409 `idempotency_key_in_use` (the lost
 * first try is still running on the gateway). Retry-After is honoured when the gateway sends it.
 */
export function retryDelayMs(error: unknown, retry: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'> = {}): number | undefined {
  if (!isCliError(error)) return undefined;
  const http = error.http;
  const retryable =
    http === undefined ? error.transient : http.status === 503 || (http.status === 429 && http.code !== 'insufficient_quota') || (http.status === 409 && http.code === 'idempotency_key_in_use');
  if (!retryable) return undefined;
  const backoff = (options.baseDelayMs ?? 1000) * 2 ** (retry - 1);
  return Math.min(http?.retryAfterMs ?? backoff, options.maxDelayMs ?? 30_000);
}

/** Sends, and sends again with the same Idempotency-Key while {@link retryDelayMs} says so. */
export async function withRetries<T>(send: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send(attempt);
    } catch (error) {
      const delayMs = attempt < attempts ? retryDelayMs(error, attempt, options) : undefined;
      if (delayMs === undefined) throw error;
      options.onRetry?.(error as CliError, attempt + 1, delayMs);
      await sleep(delayMs);
    }
  }
}
