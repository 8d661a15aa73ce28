import { bigint, index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { files } from './files.ts';
import { projects } from './projects.ts';

export const batchStatuses = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof batchStatuses)[number];

/** OpenAI's batch object, with running counters so `request_counts` is live while it runs. */
export const batches = pgTable(
  'batches',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    endpoint: text('endpoint').notNull(),
    inputFileId: text('input_file_id')
      .notNull()
      .references(() => files.id),
    completionWindow: text('completion_window').notNull(),
    status: text('status').$type<BatchStatus>().notNull(),
    outputFileId: text('output_file_id'),
    errorFileId: text('error_file_id'),
    /** OpenAI's `errors` list object (batch-level validation errors), or null. */
    errors: jsonb('errors'),
    metadata: jsonb('metadata'),
    webhookUrl: text('webhook_url'),
    totalCount: integer('total_count').notNull().default(0),
    completedCount: integer('completed_count').notNull().default(0),
    failedCount: integer('failed_count').notNull().default(0),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    cost: numeric('cost', { precision: 20, scale: 10 }).notNull().default('0'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    inProgressAt: timestamp('in_progress_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    finalizingAt: timestamp('finalizing_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    expiredAt: timestamp('expired_at', { withTimezone: true }),
    cancellingAt: timestamp('cancelling_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
  },
  (table) => [index('batches_project_id_created_at_idx').on(table.projectId, table.createdAt)],
);
