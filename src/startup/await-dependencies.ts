import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.ts';
import { describeFailure, failureSummary, type DependencyFailure } from './dependency-failure.ts';
import type { DependencyTarget } from '../config/dependency-target.ts';
import { retryDelayMs, shouldReport, type LastReport } from './retry-schedule.ts';
import { StartupAbortedError, StartupTimeoutError } from '../errors/startup-errors.ts';
import type { StartupStatus } from './startup-status.ts';

export interface AwaitDependenciesOptions {
  targets: readonly DependencyTarget[];
  /**
   * One attempt: resolves when the dependency answers, with what an operator should still know (a
   * Redis Cluster seed node that is down while the cluster serves).
   */
  probe: (target: DependencyTarget) => Promise<void | readonly string[]>;
  status: StartupStatus;
  logger: Logger;
  /** Give up (StartupTimeoutError) after this long; 0 waits forever. */
  timeoutMs: number;
  /** SIGTERM/SIGINT: stop waiting at once (StartupAbortedError). */
  signal?: AbortSignal;
}

/**
 * Waits until every required dependency answers, each retried on its own with a doubling pause.
 * A failure is logged once, again when its reason changes, and otherwise every 30 s, each line
 * naming the environment variable and `host:port` to check (never the credentials). Optional
 * dependencies are tried once and reported, never awaited.
 */
export async function awaitDependencies(options: AwaitDependenciesOptions): Promise<void> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const startedAt = Date.now();
  try {
    await Promise.all(options.targets.map((target) => (target.required ? waitFor(target, { ...options, signal, startedAt }) : tryOnce(target, { ...options, signal }))));
  } catch (error) {
    // One gave up (or the process is stopping): the others stop too.
    stop.abort();
    if (options.signal?.aborted) throw new StartupAbortedError();
    throw error;
  }
}

async function waitFor(target: DependencyTarget, options: AwaitDependenciesOptions & { signal: AbortSignal; startedAt: number }): Promise<void> {
  const { logger, status, timeoutMs, signal, startedAt } = options;
  let lastReport: LastReport | undefined;
  let last: DependencyFailure | undefined;
  for (let attempt = 1; ; attempt += 1) {
    signal.throwIfAborted();
    try {
      const notes = await untilAborted(options.probe(target), signal);
      status.reachable(target.name, attempt);
      for (const note of notes ?? []) logger.warn(fields(target, { note }), `${target.label} at ${target.variable} (${target.address}) answers, but ${note}`);
      if (last) logger.info(fields(target, { attempts: attempt, waitedMs: Date.now() - startedAt }), `${target.label} is reachable at ${target.variable} (${target.address})`);
      return;
    } catch (error) {
      signal.throwIfAborted();
      const failure = describeFailure(error);
      last = failure;
      status.failed(target.name, failure.reason, attempt);
      const now = Date.now();
      const waitedMs = now - startedAt;
      if (timeoutMs > 0 && waitedMs >= timeoutMs) {
        throw new StartupTimeoutError(
          `gave up waiting for ${target.label} at ${target.variable} (${target.address}) after ${Math.round(waitedMs / 1000)} s (server.startupTimeoutMs): ${failureSummary(failure.reason)}: ${failure.detail}`,
          fields(target, { reason: failure.reason, detail: failure.detail, attempts: attempt, waitedMs, startupTimeoutMs: timeoutMs }),
        );
      }
      if (shouldReport(lastReport, now, failure.reason)) {
        lastReport = { at: now, reason: failure.reason };
        const level = failure.reason === 'authentication-failed' || failure.reason === 'tls-failed' || failure.reason === 'database-missing' ? 'error' : 'warn';
        const deadline = timeoutMs > 0 ? `until server.startupTimeoutMs (${timeoutMs} ms)` : 'without a deadline (server.startupTimeoutMs is 0)';
        logger[level](
          fields(target, { reason: failure.reason, detail: failure.detail, attempts: attempt, waitedMs, startupTimeoutMs: timeoutMs }),
          `waiting for ${target.label} at ${target.variable} (${target.address}): ${failureSummary(failure.reason)}; retrying ${deadline}`,
        );
      }
      const pauseMs = timeoutMs > 0 ? Math.min(retryDelayMs(attempt), Math.max(0, startedAt + timeoutMs - now)) : retryDelayMs(attempt);
      await sleep(pauseMs, undefined, { signal });
    }
  }
}

async function tryOnce(target: DependencyTarget, options: AwaitDependenciesOptions & { signal: AbortSignal }): Promise<void> {
  try {
    await untilAborted(options.probe(target), options.signal);
    options.status.reachable(target.name, 1);
  } catch (error) {
    options.signal.throwIfAborted();
    const failure = describeFailure(error);
    options.status.failed(target.name, failure.reason, 1);
    options.logger.warn(
      fields(target, { reason: failure.reason, detail: failure.detail }),
      `${target.label} at ${target.variable} (${target.address}) is ${failureSummary(failure.reason)}; starting without it (its clients retry in the background)`,
    );
  }
}

function fields(target: DependencyTarget, extra: Record<string, unknown>): Record<string, unknown> {
  return { dependency: target.name, variable: target.variable, address: target.address, ...extra };
}

/** The probe's outcome, or an AbortError as soon as the signal fires (the probe ends by its own timeout). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
