import type { batches } from '../db/schema/batches.ts';

export type BatchRow = typeof batches.$inferSelect;

const seconds = (date: Date | null): number | null => (date ? Math.floor(date.getTime() / 1000) : null);

/**
 * OpenAI's batch object, field for field.
 * @see https://platform.openai.com/docs/api-reference/batch/object
 */
export function toBatchObject(row: BatchRow) {
  return {
    id: row.id,
    object: 'batch' as const,
    endpoint: row.endpoint,
    errors: (row.errors as BatchErrors | null) ?? null,
    input_file_id: row.inputFileId,
    completion_window: row.completionWindow,
    status: row.status,
    output_file_id: row.outputFileId,
    error_file_id: row.errorFileId,
    created_at: seconds(row.createdAt) ?? 0,
    in_progress_at: seconds(row.inProgressAt),
    expires_at: seconds(row.expiresAt),
    finalizing_at: seconds(row.finalizingAt),
    completed_at: seconds(row.completedAt),
    failed_at: seconds(row.failedAt),
    expired_at: seconds(row.expiredAt),
    cancelling_at: seconds(row.cancellingAt),
    cancelled_at: seconds(row.cancelledAt),
    request_counts: { total: row.totalCount, completed: row.completedCount, failed: row.failedCount },
    metadata: (row.metadata as Record<string, string> | null) ?? null,
    usage: {
      input_tokens: row.promptTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: row.completionTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: row.promptTokens + row.completionTokens,
    },
  };
}

export type BatchObject = ReturnType<typeof toBatchObject>;

export interface BatchErrors {
  object: 'list';
  data: Array<{ code: string; message: string; param: string | null; line: number | null }>;
}

const windowPattern = /^(\d+)(s|m|h|d)$/;
const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `24h` is OpenAI's only window; we also take other durations (`30s`, `90m`, `7d`), between one
 * second and 30 days, so short windows can be tested and long ones planned. Undefined when invalid.
 */
export function parseCompletionWindow(window: string): number | undefined {
  const match = windowPattern.exec(window);
  if (!match) return undefined;
  const milliseconds = Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
  return milliseconds >= 1000 && milliseconds <= 30 * unitMs.d ? milliseconds : undefined;
}

export const terminalBatchStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Deterministic per line, so a re-run line finds its own row: exactly once per (batch, line). */
export function batchRequestId(batchId: string, lineNumber: number): string {
  return `batch_req_${batchId.slice('batch_'.length)}_${lineNumber}`;
}
