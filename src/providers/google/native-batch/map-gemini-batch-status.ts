import type { NativeBatchSnapshot } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchState } from '../../native-batch/native-batch-types.ts';
import type { GeminiBatchOperation, GeminiBatchState } from './gemini-batch-schemas.ts';

const stateByWireState: Record<GeminiBatchState, NativeBatchState | undefined> = {
  BATCH_STATE_UNSPECIFIED: undefined,
  BATCH_STATE_PENDING: 'running',
  BATCH_STATE_RUNNING: 'running',
  BATCH_STATE_SUCCEEDED: 'finished',
  BATCH_STATE_FAILED: 'failed',
  BATCH_STATE_CANCELLED: 'cancelled',
  BATCH_STATE_EXPIRED: 'expired',
  JOB_STATE_UNSPECIFIED: undefined,
  JOB_STATE_PENDING: 'running',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_SUCCEEDED: 'finished',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_EXPIRED: 'expired',
};

/** google.rpc.Code.CANCELLED: what a cancelled long-running operation carries as its `error`. */
const cancelledCode = 1;

/**
 * A batch operation → where it stands, in the gateway's snapshot terms. The operation is settled once
 * `done` (a long-running operation's contract: the guide's own polling loop waits for it) and its
 * `metadata.state` is not pending or running; settled without a state word, its `error` says failed. The
 * responses file is read wherever the operation has one, in `response` (the guide's REST example) or
 * `metadata.output` (where the SDKs read it), and whatever the state: a cancelled batch keeps what it
 * finished there. An expired batch has no results ("The job will not have any results to retrieve").
 * The `error` Google sets on a cancelled operation (code 1) is not a reason the batch failed.
 * @see https://ai.google.dev/gemini-api/docs/batch-api#batch-job-status
 * @see https://ai.google.dev/api/batch-api#method:-batches.cancel
 */
export function mapGeminiBatchStatus(operation: GeminiBatchOperation): NativeBatchSnapshot {
  const metadata = operation.metadata;
  const raw = metadata?.state ?? (operation.done === true ? 'done' : 'pending');
  const named = metadata?.state === undefined ? undefined : stateByWireState[metadata.state];
  const settledAs: NativeBatchState = named ?? (operation.error ? 'failed' : 'finished');
  const state: NativeBatchState = operation.done === true ? settledAs : 'running';
  const responsesFile = operation.response?.responsesFile ?? metadata?.output?.responsesFile;
  const error = operation.error;
  const errors = error !== undefined && !(state === 'cancelled' && error.code === cancelledCode) ? [[error.status ?? error.code, error.message].filter((part) => part !== undefined).join(': ')] : [];
  const stats = metadata?.batchStats;
  return {
    providerBatchId: operation.name,
    state,
    providerStatus: raw,
    results: state !== 'running' && responsesFile ? [responsesFile] : [],
    errors,
    ...(stats?.requestCount !== undefined ? { counts: { total: stats.requestCount, succeeded: stats.successfulRequestCount ?? 0, failed: stats.failedRequestCount ?? 0 } } : {}),
  };
}
