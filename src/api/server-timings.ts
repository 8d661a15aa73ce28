import type { WorkerTimings } from '../queues/reply-channel.ts';

/** Named durations (ms) of one answer, in the order `Server-Timing` lists them after `gateway`. */
export type ServerTimings = ReadonlyArray<readonly [name: string, ms: number]>;

/**
 * Where a sync call's time went, from the API's two waits and the answering worker's own account:
 * `enqueue` (adding its job), `queue` (waiting for a worker, and the answer's way back), then the
 * worker's `prepare` (checks before the call), `limits`, `provider` and `record`. Without the worker's
 * account (an answer from the record) only `enqueue` and `wait`.
 */
export function syncTimings(enqueueMs: number, waitMs: number, worker: WorkerTimings | undefined): ServerTimings {
  if (!worker) {
    return [
      ['enqueue', enqueueMs],
      ['wait', waitMs],
    ];
  }
  const prepare = worker.worker - worker.limits - worker.provider - worker.record;
  return [
    ['enqueue', enqueueMs],
    ['queue', Math.max(0, waitMs - worker.worker)],
    ['prepare', Math.max(0, prepare)],
    ['limits', worker.limits],
    ['provider', worker.provider],
    ['record', worker.record],
  ];
}

/** The `Server-Timing` header: `gateway` (this process, arrival to answer), then the parts named. */
export function serverTimingHeader(gatewayMs: number, parts: ServerTimings | undefined): string {
  let header = `gateway;dur=${gatewayMs.toFixed(3)}`;
  for (const [name, ms] of parts ?? []) header += `, ${name};dur=${ms.toFixed(3)}`;
  return header;
}
