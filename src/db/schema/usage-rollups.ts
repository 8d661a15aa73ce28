import { bigint, date, index, numeric, pgTable, primaryKey, text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { RequestFormat } from '../../formats/request-format.ts';

/**
 * Who made a request's provider call: `gateway` (the gateway's own calls, and its cache hits) or
 * `batch_api` (a batch line served through its provider's batch API, at that API's price).
 */
export const usageServedBy = ['gateway', 'batch_api'] as const;
export type UsageServedBy = (typeof usageServedBy)[number];

/**
 * The counters one rollup row keeps for its key: what the usage API sums. Tokens and cost come from
 * the `usage` rows actually inserted; requests, errors, cache hits and latency from the `requests`
 * rows actually written. `latency_histogram` counts requests per fixed log-spaced millisecond bucket
 * (`src/usage/latency-buckets.ts`): element i is bucket i, added element-wise on every upsert.
 */
function rollupCounters() {
  return {
    /** '' when the request reached no provider (the key needs a non-null value). */
    provider: text('provider').notNull().default(''),
    /** Who made the provider call (see {@link usageServedBy}); rows from before the split are the gateway's. */
    servedBy: text('served_by').$type<UsageServedBy>().notNull().default('gateway'),
    /** The client API the requests came in through (`requests.format`); rows from before the split are chat. */
    format: text('format').$type<RequestFormat>().notNull().default('chat'),
    /** '' for requests outside any batch. */
    batchId: text('batch_id').notNull().default(''),
    /** The model's routing rule that chose the routes (`default`: its own); '' where none was recorded. */
    routingRule: text('routing_rule').notNull().default(''),
    requests: bigint('requests', { mode: 'number' }).notNull().default(0),
    /** Requests settled with any status but `completed`. */
    errors: bigint('errors', { mode: 'number' }).notNull().default(0),
    cacheHits: bigint('cache_hits', { mode: 'number' }).notNull().default(0),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    cachedPromptTokens: bigint('cached_prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    /** USD; numeric so sums stay exact. The known costs only: see `costUnknownRequests`. */
    cost: numeric('cost', { precision: 24, scale: 10 }).notNull().default('0'),
    /** Billed requests whose cost is unknown (nothing priced the model): `cost` leaves them out. */
    costUnknownRequests: bigint('cost_unknown_requests', { mode: 'number' }).notNull().default(0),
    costSaved: numeric('cost_saved', { precision: 24, scale: 10 }).notNull().default('0'),
    /** Served by a provider's batch API: what the sync price would have cost beyond `cost`. */
    batchSaved: numeric('batch_saved', { precision: 24, scale: 10 }).notNull().default('0'),
    latencyHistogram: bigint('latency_histogram', { mode: 'number' }).array().notNull(),
  };
}

const keyColumns = (table: {
  projectId: AnyPgColumn;
  apiKeyId: AnyPgColumn;
  model: AnyPgColumn;
  provider: AnyPgColumn;
  servedBy: AnyPgColumn;
  format: AnyPgColumn;
  batchId: AnyPgColumn;
  routingRule: AnyPgColumn;
}) => [table.projectId, table.apiKeyId, table.model, table.provider, table.servedBy, table.format, table.batchId, table.routingRule] as const;

/**
 * Usage per settle hour (UTC) and (project, key, model, provider, served by, format, batch), maintained in the very
 * statement that records the outcomes, so it is exactly as durable as they are. No foreign keys:
 * they would cost the hot path a lookup per row, and `usage:rebuild` recomputes the table anyway.
 */
export const usageRollups = pgTable(
  'usage_rollups',
  {
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    projectId: text('project_id').notNull(),
    apiKeyId: text('api_key_id').notNull(),
    model: text('model').notNull(),
    ...rollupCounters(),
  },
  (table) => [primaryKey({ name: 'usage_rollups_pkey', columns: [table.hour, ...keyColumns(table)] }), index('usage_rollups_project_id_hour_idx').on(table.projectId, table.hour)],
);

/**
 * The same counters per UTC day: a 30-day question reads ~24 times fewer rows than from the hourly
 * table (measured: summing 100k hourly rows' histograms alone takes ~0.5 s). Written beside the hourly
 * rows, in the same statement.
 */
export const usageDailyRollups = pgTable(
  'usage_daily_rollups',
  {
    day: date('day', { mode: 'string' }).notNull(),
    projectId: text('project_id').notNull(),
    apiKeyId: text('api_key_id').notNull(),
    model: text('model').notNull(),
    ...rollupCounters(),
  },
  (table) => [primaryKey({ name: 'usage_daily_rollups_pkey', columns: [table.day, ...keyColumns(table)] }), index('usage_daily_rollups_project_id_day_idx').on(table.projectId, table.day)],
);
