import type { NativeBatchSnapshot } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchState } from '../../native-batch/native-batch-types.ts';
import { gatewayPartIdKey, type MistralBatchJob, type MistralBatchStatus } from './mistral-batch-schemas.ts';

const stateByStatus: Record<MistralBatchStatus, NativeBatchState> = {
  QUEUED: 'running',
  RUNNING: 'running',
  // Not settled until CANCELLED: what did run is written to the files then.
  CANCELLATION_REQUESTED: 'running',
  SUCCESS: 'finished',
  FAILED: 'failed',
  TIMEOUT_EXCEEDED: 'expired',
  CANCELLED: 'cancelled',
};

/**
 * A batch job → where it stands, in the gateway's terms. Once it has settled, whatever the status, its
 * output and error files (in that order) hold the results of the requests that ran; a job that failed,
 * timed out or was cancelled keeps those of the requests that finished first. Whether a request that
 * never ran gets a line is not documented: the caller treats a line without one as not run.
 * `errors` are the job's own (`message`, and how many times it happened).
 * @see https://docs.mistral.ai/api/endpoint/batch (BatchJobOut)
 */
export function mapMistralBatchStatus(job: MistralBatchJob): NativeBatchSnapshot {
  const state = stateByStatus[job.status];
  const results = state === 'running' ? [] : [job.output_file, job.error_file].filter((id): id is string => typeof id === 'string' && id.length > 0);
  const errors = job.errors.map((error) => (error.count !== null && error.count !== undefined && error.count > 1 ? `${error.message} (${error.count} times)` : error.message));
  return {
    providerBatchId: job.id,
    state,
    providerStatus: job.status,
    results,
    errors,
    counts: { total: job.total_requests, succeeded: job.succeeded_requests, failed: job.failed_requests },
  };
}

/**
 * Among listed jobs, the one a create whose answer was lost made: it carries the part's id in its
 * metadata, or reads the part's uploaded file. Jobs in `excludeIds` are others' and never match.
 */
export function findMistralBatchJobOfPart(jobs: readonly MistralBatchJob[], input: { partId: string; fileId?: string | undefined; excludeIds: ReadonlySet<string> }): MistralBatchJob | undefined {
  return jobs.find((job) => {
    if (input.excludeIds.has(job.id)) return false;
    if (job.metadata?.[gatewayPartIdKey] === input.partId) return true;
    return input.fileId !== undefined && job.input_files.includes(input.fileId);
  });
}
