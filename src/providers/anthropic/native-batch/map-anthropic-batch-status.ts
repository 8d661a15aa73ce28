import type { NativeBatchState } from '../../native-batch/native-batch-types.ts';
import type { AnthropicBatchProcessingStatus, AnthropicMessageBatch } from './anthropic-batch-schemas.ts';

export interface AnthropicBatchProgress {
  state: NativeBatchState;
  /** Anthropic's own status, kept. */
  raw: AnthropicBatchProcessingStatus;
  /** Where the results are, once the batch has ended (every line has one there, whatever the state). */
  resultsUrl: string | undefined;
}

/**
 * A Message Batch → where it stands. Anthropic has one terminal status, `ended`; the gateway tells
 * apart a batch that was cancelled (a cancel was asked for), one that ran out of its 24 hours (lines
 * expired) and one that simply finished. Lines of every kind are in the results file in all three.
 * A batch never fails as a whole once created: its lines fail one by one.
 * @see https://docs.anthropic.com/en/api/retrieving-message-batches
 */
export function mapAnthropicBatchStatus(batch: AnthropicMessageBatch): AnthropicBatchProgress {
  const raw = batch.processing_status;
  const resultsUrl = raw === 'ended' ? (batch.results_url ?? undefined) : undefined;
  if (raw !== 'ended') return { state: 'running', raw, resultsUrl };
  const state: NativeBatchState = batch.cancel_initiated_at ? 'cancelled' : batch.request_counts.expired > 0 ? 'expired' : 'finished';
  return { state, raw, resultsUrl };
}
