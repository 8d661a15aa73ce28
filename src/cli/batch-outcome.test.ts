import { describe, expect, it } from 'vitest';
import { batchElapsedSeconds, batchResultOf, formatLineError } from './batch-outcome.ts';
import { exitCodes } from './cli-error.ts';
import type { Batch } from './gateway-schemas.ts';

const batchOf = (status: Batch['status'], counts: Batch['request_counts'], times: Partial<Batch> = {}): Batch => ({
  id: 'batch_1',
  object: 'batch',
  status,
  input_file_id: 'file-1',
  completion_window: '24h',
  created_at: 1_000,
  request_counts: counts,
  ...times,
});

describe('batchResultOf', () => {
  it('is success only for a completed batch with no failed line', () => {
    expect(batchResultOf(batchOf('completed', { total: 3, completed: 3, failed: 0 }))).toEqual({ result: 'completed', exitCode: 0 });
    expect(batchResultOf(batchOf('completed', { total: 0, completed: 0, failed: 0 }))).toEqual({ result: 'completed', exitCode: 0 });
  });

  it('says a completed batch with failed lines, even when every line failed', () => {
    expect(batchResultOf(batchOf('completed', { total: 3, completed: 2, failed: 1 }))).toEqual({ result: 'completed_with_failures', exitCode: exitCodes.batchLinesFailed });
    expect(batchResultOf(batchOf('completed', { total: 3, completed: 0, failed: 3 }))).toEqual({ result: 'completed_with_failures', exitCode: 3 });
  });

  it('says a batch that did not complete, whatever its counts', () => {
    for (const status of ['failed', 'expired', 'cancelled'] as const) {
      expect(batchResultOf(batchOf(status, { total: 3, completed: 3, failed: 0 }))).toEqual({ result: 'not_completed', exitCode: exitCodes.batchNotCompleted });
    }
    expect(exitCodes.batchNotCompleted).toBe(2);
  });
});

describe('batchElapsedSeconds', () => {
  it("uses the gateway's creation and end times, else the fallback", () => {
    expect(batchElapsedSeconds(batchOf('completed', { total: 1, completed: 1, failed: 0 }, { completed_at: 1_042 }), 7)).toBe(42);
    expect(batchElapsedSeconds(batchOf('cancelled', { total: 1, completed: 0, failed: 1 }, { cancelled_at: 1_005 }), 7)).toBe(5);
    expect(batchElapsedSeconds(batchOf('in_progress', { total: 1, completed: 0, failed: 0 }), 7)).toBe(7);
  });
});

describe('formatLineError', () => {
  it('names the line by custom_id, then the code and message', () => {
    expect(formatLineError({ custom_id: 'row-7', code: 'mock_error', message: 'failed' })).toBe('row-7: mock_error: failed');
    expect(formatLineError({ custom_id: null, code: null, message: 'failed' })).toBe('(no custom_id): failed');
  });
});
