import { describe, expect, it } from 'vitest';
import { formatBatchSummary } from './batch-format.ts';
import { batchSchema } from './gateway-schemas.ts';

const batch = (usage: unknown) =>
  batchSchema.parse({
    id: 'batch_1',
    object: 'batch',
    endpoint: '/v1/embeddings',
    status: 'completed',
    input_file_id: 'file-1',
    output_file_id: 'file-2',
    completion_window: '24h',
    created_at: 1_000,
    completed_at: 1_042,
    request_counts: { total: 3, completed: 3, failed: 0 },
    usage,
  });

describe('formatBatchSummary', () => {
  it('shows usage with output tokens, and without them when the batch produced none (embeddings)', () => {
    expect(formatBatchSummary(batch({ input_tokens: 1200, output_tokens: 34, total_tokens: 1234 }))).toMatch(/^ {2}usage +1,200 input tokens, 34 output tokens$/m);
    expect(formatBatchSummary(batch({ input_tokens: 1200, total_tokens: 1200 }))).toMatch(/^ {2}usage +1,200 input tokens$/m);
    expect(formatBatchSummary(batch({ input_tokens: 1200, output_tokens: 0, total_tokens: 1200 }))).toMatch(/^ {2}usage +1,200 input tokens, 0 output tokens$/m);
  });
});
