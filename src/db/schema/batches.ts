import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { batchModeNames } from '../../config/gateway-config.ts';
import { apiKeys } from './api-keys.ts';
import { files } from './files.ts';
import { projects } from './projects.ts';

export const batchStopReasons = ['cancelled', 'expired'] as const;
export type BatchStopReason = (typeof batchStopReasons)[number];

/** Where a batch's lines run (see `batches.mode` in the config). */
export type BatchMode = (typeof batchModeNames)[number];

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
    /**
     * Why the batch stops starting lines: set by a cancel or when its window ends. The record of it;
     * Redis holds a copy (the stop key) for the chunk workers' fast check, restored from here.
     */
    stopReason: text('stop_reason').$type<BatchStopReason>(),
    /** When its start step had queued every chunk (`batch_chunks`); until then a re-run start adds the rest. */
    fannedOutAt: timestamp('fanned_out_at', { withTimezone: true }),
    /** Where its lines run (`auto`, `native`, `gateway`); batches created before modes existed ran on the gateway. */
    mode: text('mode').$type<BatchMode>().notNull().default('gateway'),
    /**
     * Deleted through the Message Batches API (only an ended batch): hidden from every batch route; its
     * requests and usage stay, as the record of what was run and billed.
     */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    index('batches_project_id_created_at_idx').on(table.projectId, table.createdAt),
    // The reconciler's scan for batches still running.
    index('batches_unfinished_created_at_idx')
      .on(table.createdAt)
      .where(sql`status IN ('validating', 'in_progress', 'finalizing', 'cancelling')`),
  ],
);

/**
 * The chunks a batch was fanned out into, one row per BullMQ chunk job (whose id is
 * `<batch_id>-<provider>-<first_line>`): what the reconciler puts back on the queues when Redis has
 * lost them. A chunk is done once every line in it has a result.
 */
export const batchChunks = pgTable(
  'batch_chunks',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id),
    provider: text('provider').notNull(),
    firstLine: integer('first_line').notNull(),
    /** Its line numbers as inclusive `[from, to]` runs. */
    ranges: jsonb('ranges').$type<Array<[number, number]>>().notNull(),
    /** Its place among the batch's chunks on that provider (1 = first): its fair-share priority. */
    ordinal: integer('ordinal').notNull(),
    doneAt: timestamp('done_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ name: 'batch_chunks_pkey', columns: [table.batchId, table.provider, table.firstLine] })],
);
