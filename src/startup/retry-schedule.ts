import type { FailureReason } from './dependency-failure.ts';

/** First pause between attempts; each later one doubles, up to {@link maxRetryDelayMs}. */
export const firstRetryDelayMs = 250;
/** Long enough not to hammer a recovering service, short enough that start-up follows it closely. */
export const maxRetryDelayMs = 5_000;
/** While the same failure lasts, a reminder this often (a line per attempt would flood the log). */
export const repeatReportMs = 30_000;

/** The pause after the `attempt`-th failed attempt (1-based). */
export function retryDelayMs(attempt: number): number {
  return Math.min(maxRetryDelayMs, firstRetryDelayMs * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
}

export interface LastReport {
  at: number;
  reason: FailureReason;
}

/** Report the first failure, a change of reason (unreachable → authentication failed), and then every `repeatReportMs`. */
export function shouldReport(last: LastReport | undefined, now: number, reason: FailureReason): boolean {
  return last === undefined || last.reason !== reason || now - last.at >= repeatReportMs;
}
