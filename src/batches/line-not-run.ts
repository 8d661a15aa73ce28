import type { BatchRow } from './batch-object.ts';
import { batchRequestId } from './batch-object.ts';
import type { BatchLineOutcome } from '../records/batch-result-writer.ts';
import { operationOfEndpoint } from '../formats/batch-line-formats.ts';
import { formatOfEndpoint } from '../formats/request-format.ts';

/**
 * The record of a line that never reached a provider: refused (an unknown model, a capability its
 * routes lack, an invalid body) or stopped before it ran (the batch cancelled or expired). It keeps
 * the model the line asked for, so usage and the dashboard show the name the caller sent.
 */
export function lineNotRun(options: {
  batch: Pick<BatchRow, 'id' | 'projectId' | 'apiKeyId' | 'createdAt' | 'endpoint'>;
  line: { lineNumber: number; customId: string };
  model: string;
  status: 'failed' | 'cancelled' | 'expired';
  /** The HTTP status the same request sent alone would have been answered; null for a line stopped. */
  statusCode: number | null;
  errorCode: string;
  errorMessage: string;
}): BatchLineOutcome {
  const { batch, line } = options;
  return {
    kind: 'batch',
    requestId: batchRequestId(batch.id, line.lineNumber),
    batchId: batch.id,
    lineNumber: line.lineNumber,
    customId: line.customId,
    projectId: batch.projectId,
    apiKeyId: batch.apiKeyId,
    model: options.model,
    provider: null,
    upstreamModel: null,
    status: options.status,
    statusCode: options.statusCode,
    errorCode: options.errorCode,
    errorMessage: options.errorMessage,
    response: null,
    attempts: 0,
    acceptedAt: batch.createdAt,
    operation: operationOfEndpoint(batch.endpoint),
    format: formatOfEndpoint(batch.endpoint),
    startedAt: null,
    completedAt: new Date(),
    providerLatencyMs: null,
    usage: null,
  };
}
