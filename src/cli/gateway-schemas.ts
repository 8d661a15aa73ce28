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
  errors: z.object({ data: z.array(z.looseObject({ code: z.string().nullish(), message: z.string(), line: z.number().nullish() })) }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  /** Embeddings produce no output tokens: a gateway may leave them out. */
  usage: z.looseObject({ input_tokens: z.number(), output_tokens: z.number().optional() }).nullish(),
});
export type Batch = z.infer<typeof batchSchema>;

export const batchListSchema = z.looseObject({ data: z.array(batchSchema), has_more: z.boolean() });

export const fileSchema = z.looseObject({ id: z.string(), bytes: z.number(), filename: z.string() });

export const listedFileSchema = fileSchema.extend({ created_at: z.number().int(), purpose: z.string() });
export type ListedFile = z.infer<typeof listedFileSchema>;

export const fileListSchema = z.looseObject({ object: z.literal('list'), data: z.array(listedFileSchema), has_more: z.boolean() });

/** `GET /admin/keys` and `DELETE /admin/keys/{id}`: a key as listed, never its secret. */
export const apiKeySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  project: z.string(),
  project_id: z.string(),
  key_prefix: z.string(),
  created_at: z.number().int(),
  revoked_at: z.number().int().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const apiKeyListSchema = z.looseObject({ object: z.literal('list'), data: z.array(apiKeySchema) });

const usageCountersSchema = z.looseObject({
  requests: z.number().int(),
  errors: z.number().int(),
  cache_hits: z.number().int(),
  input_tokens: z.number().int(),
  cached_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  /** USD as a decimal string. */
  cost: z.string(),
  cost_saved: z.string(),
  /** Absent from gateways that predate provider batch APIs. */
  batch_saved: z.string().optional(),
  latency_ms: z.looseObject({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
});
export type UsageCounters = z.infer<typeof usageCountersSchema>;

export const usageGroups = ['project', 'key', 'model', 'provider', 'served_by', 'format', 'routing_rule', 'batch', 'day', 'hour'] as const;
export type UsageGroup = (typeof usageGroups)[number];

/** `GET /v1/usage`: a row per group (each carrying its group's fields), and the total. */
export const usageReportSchema = z.looseObject({
  object: z.literal('list'),
  from: z.string(),
  to: z.string(),
  group_by: z.array(z.enum(usageGroups)),
  data: z.array(
    usageCountersSchema.extend({
      project_id: z.string().optional(),
      project: z.string().optional(),
      api_key_id: z.string().optional(),
      /** Null for requests recorded without a model. */
      model: z.string().nullable().optional(),
      provider: z.string().nullable().optional(),
      /** `gateway` or `batch_api`. */
      served_by: z.string().optional(),
      /** The client API: `chat`, `embeddings`, `messages` or `responses`. */
      format: z.string().optional(),
      routing_rule: z.string().nullable().optional(),
      batch_id: z.string().nullable().optional(),
      day: z.string().optional(),
      hour: z.string().optional(),
    }),
  ),
  total: usageCountersSchema,
});
export type UsageReport = z.infer<typeof usageReportSchema>;

/** `GET /v1/models`: OpenAI's model object and the gateway's extension fields (limits, prices). */
export const modelSchema = z.looseObject({
  id: z.string(),
  owned_by: z.string(),
  context_window: z.number().int().nullish(),
  max_output_tokens: z.number().int().nullish(),
  /** USD per 1M tokens as decimal strings; null when nothing prices the model. */
  pricing: z.looseObject({ input_per_million: z.string(), cached_input_per_million: z.string().optional(), output_per_million: z.string() }).nullish(),
});
export type Model = z.infer<typeof modelSchema>;

export const modelListSchema = z.looseObject({ object: z.literal('list'), data: z.array(modelSchema) });

/** A line of a batch error file: the request's custom_id and why it failed. */
export const errorLineSchema = z.looseObject({
  custom_id: z.string().nullable(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string() }),
});

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
