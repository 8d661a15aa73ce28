import { setTimeout as sleep } from 'node:timers/promises';
import { isCliError } from './cli-error.ts';
import type { GatewayClient } from './gateway-client.ts';
import { batchSchema, terminalStatuses, type Batch } from './gateway-schemas.ts';

export interface WaitOptions {
  onUpdate(batch: Batch): void;
  /** Told when a poll failed for a reason that may pass (gateway restarting, 5xx). */
  onTransientError?(error: Error, attempt: number): void;
  signal?: AbortSignal;
  /** @defaultValue 1000 */
  minIntervalMs?: number;
  /** @defaultValue 5000 */
  maxIntervalMs?: number;
  /** Consecutive failed polls before giving up. @defaultValue 12 (a minute or so at the longest interval) */
  maxTransientErrors?: number;
}

/**
 * Polls `GET /v1/batches/{id}` until the batch reaches a final status: every second while it moves,
 * backing off to every 5 s while its counts stand still. Gateway restarts and 5xx are ridden out.
 */
export async function waitForBatch(client: GatewayClient, batchId: string, options: WaitOptions): Promise<Batch> {
  const minInterval = options.minIntervalMs ?? 1000;
  const maxInterval = options.maxIntervalMs ?? 5000;
  const maxErrors = options.maxTransientErrors ?? 12;
  let interval = minInterval;
  let previous: string | undefined;
  let errors = 0;
  for (;;) {
    let batch: Batch;
    try {
      batch = await client.json('GET', `/v1/batches/${encodeURIComponent(batchId)}`, batchSchema);
      errors = 0;
    } catch (error) {
      if (!isCliError(error) || !error.transient || errors + 1 >= maxErrors) throw error;
      errors += 1;
      options.onTransientError?.(error, errors);
      await sleep(maxInterval, undefined, { signal: options.signal });
      continue;
    }
    options.onUpdate(batch);
    if (terminalStatuses.has(batch.status)) return batch;
    const state = `${batch.status}:${batch.request_counts.completed}:${batch.request_counts.failed}`;
    interval = state === previous ? Math.min(maxInterval, Math.round(interval * 1.5)) : minInterval;
    previous = state;
    await sleep(interval, undefined, { signal: options.signal });
  }
}
