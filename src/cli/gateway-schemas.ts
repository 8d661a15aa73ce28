import { z } from 'zod';

/** The parts of the gateway's answers the CLI reads; loose, so new fields never break it. */

export const batchStatusSchema = z.enum(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled']);
export type BatchStatus = z.infer<typeof batchStatusSchema>;

const timestamp = z.number().int().nullish();

export const batchSchema = z.looseObject({
  id: z.string(),
  object: z.literal('batch'),
  status: batchStatusSchema,
  input_file_id: z.string(),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  completion_window: z.string(),
  created_at: z.number().int(),
  in_progress_at: timestamp,
  expires_at: timestamp,
  finalizing_at: timestamp,
  completed_at: timestamp,
  failed_at: timestamp,
  expired_at: timestamp,
  cancelling_at: timestamp,
  cancelled_at: timestamp,
  request_counts: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int() }),
  errors: z
    .object({ data: z.array(z.looseObject({ code: z.string().nullish(), message: z.string(), line: z.number().nullish() })) })
    .nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  usage: z.looseObject({ input_tokens: z.number(), output_tokens: z.number() }).nullish(),
});
export type Batch = z.infer<typeof batchSchema>;

export const batchListSchema = z.looseObject({ data: z.array(batchSchema), has_more: z.boolean() });

export const fileSchema = z.looseObject({ id: z.string(), bytes: z.number(), filename: z.string() });

export const createdKeySchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  project: z.string(),
  project_id: z.string(),
  key_prefix: z.string(),
});

export const errorBodySchema = z.object({
  error: z.looseObject({ message: z.string(), code: z.string().nullish(), type: z.string().nullish(), param: z.string().nullish() }),
});

export const terminalStatuses: ReadonlySet<BatchStatus> = new Set(['completed', 'failed', 'expired', 'cancelled']);
