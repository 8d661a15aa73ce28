import { boolean, index, integer, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { projects } from './projects.ts';
import { requests } from './requests.ts';

/**
 * Billable usage, one row per request at most: the primary key on `request_id` is what makes a
 * retried or re-delivered job bill exactly once.
 */
export const usage = pgTable(
  'usage',
  {
    requestId: text('request_id')
      .primaryKey()
      .references(() => requests.id),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    upstreamModel: text('upstream_model').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    totalTokens: integer('total_tokens').notNull(),
    /** Of prompt_tokens, those read from the provider's prompt cache (priced as cached input). */
    cachedPromptTokens: integer('cached_prompt_tokens').notNull().default(0),
    /** Input tokens written to the provider's prompt cache. */
    cacheCreationTokens: integer('cache_creation_tokens').notNull().default(0),
    /** The provider reported no usage: the counts (and cost) are the gateway's estimate. */
    estimated: boolean('estimated').notNull().default(false),
    /** USD; numeric so sums are exact. NULL when nothing prices the model: unknown, never billed as zero. */
    cost: numeric('cost', { precision: 20, scale: 10 }),
    /** Answered from the response cache: `cost` is 0 and this is what the original call cost. */
    costSaved: numeric('cost_saved', { precision: 20, scale: 10 }).notNull().default('0'),
    /** Served by a provider's batch API: what the sync price would have cost minus `cost`. */
    batchSaved: numeric('batch_saved', { precision: 20, scale: 10 }).notNull().default('0'),
    cacheHit: boolean('cache_hit').notNull().default(false),
    /** Set for batch lines, so a batch's usage sums without touching `requests`. */
    batchId: text('batch_id'),
    /** The model's routing rule that chose the routes (`default`: its own); null where none was recorded. */
    routingRule: text('routing_rule'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('usage_project_id_created_at_idx').on(table.projectId, table.createdAt), index('usage_api_key_id_created_at_idx').on(table.apiKeyId, table.createdAt)],
);
