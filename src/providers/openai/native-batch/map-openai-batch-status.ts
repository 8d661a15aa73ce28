import type { NativeBatchState } from '../../native-batch/native-batch-types.ts';
import type { OpenAIBatch, OpenAIBatchStatus } from './openai-batch-schemas.ts';

export interface OpenAIBatchProgress {
  state: NativeBatchState;
  /** OpenAI's own status, kept: the mapping loses the difference between e.g. validating and finalizing. */
  raw: OpenAIBatchStatus;
  /** Output and error files to read now, in that order; empty while running and when the batch failed. */
  fileIdsToRead: string[];
  /** Batch-level errors (a `failed` batch's reasons), as `code: message`. */
  errors: string[];
}

const stateByStatus: Record<OpenAIBatchStatus, NativeBatchState> = {
  validating: 'running',
  in_progress: 'running',
  finalizing: 'running',
  // Not settled until `cancelled`: the files of what did run are written then.
  cancelling: 'running',
  completed: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'expired',
};

/**
 * A Batch object → where it stands and which files hold its lines' results. A batch that completed,
 * expired or was cancelled has results for the lines that ran in its output file and the others in
 * its error file; a `failed` batch never ran (its input was refused) and has only `errors`.
 * @see https://platform.openai.com/docs/api-reference/batch/object
 */
export function mapOpenAIBatchStatus(batch: OpenAIBatch): OpenAIBatchProgress {
  const state = stateByStatus[batch.status];
  const settledWithFiles = state === 'finished' || state === 'cancelled' || state === 'expired';
  const fileIdsToRead = settledWithFiles ? [batch.output_file_id, batch.error_file_id].filter((id): id is string => typeof id === 'string' && id.length > 0) : [];
  const errors = (batch.errors?.data ?? []).map((error) => [error.code, error.message].filter(Boolean).join(': ') + (typeof error.line === 'number' ? ` (line ${error.line})` : ''));
  return { state, raw: batch.status, fileIdsToRead, errors };
}
