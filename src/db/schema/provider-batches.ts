import { sql } from 'drizzle-orm';
import { index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { batches } from './batches.ts';

/**
 * Where a provider batch stands in the gateway: `pending` (recorded, nothing sent), `submitting` (an
 * upload or create was sent and may have happened: checked before it is sent again), `submitted` (the
 * provider's id is known; polled), `ingested` (every line of it has a result row) or `refused` (the
 * provider would not take it: its lines went to the gateway's workers or failed).
 */
export const providerBatchStatuses = ['pending', 'submitting', 'submitted', 'ingested', 'refused'] as const;
export type ProviderBatchStatus = (typeof providerBatchStatuses)[number];

/**
 * A part of a gateway batch sent to a provider's own batch API: recorded before anything is sent, its
 * provider id as soon as the provider answers, so a worker restart or a Redis loss never submits a line
 * twice. Its lines are the batch's input lines in `ranges`; one operation and upstream model each.
 */
export const providerBatches = pgTable(
  'provider_batches',
  {
    /** `pbatch_…`: the part id sent as the provider batch's metadata or display name. */
    id: text('id').primaryKey(),
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id),
    provider: text('provider').notNull(),
    operation: text('operation').notNull(),
    upstreamModel: text('upstream_model').notNull(),
    /** Its line numbers as inclusive `[from, to]` runs. */
    ranges: jsonb('ranges').$type<Array<[number, number]>>().notNull(),
    lineCount: integer('line_count').notNull(),
    status: text('status').$type<ProviderBatchStatus>().notNull().default('pending'),
    /** The provider's input file, once uploaded (APIs that take a file). */
    providerFileId: text('provider_file_id'),
    providerBatchId: text('provider_batch_id'),
    /** The provider's last status word, as polled. */
    providerStatus: text('provider_status'),
    /** Why the provider refused or failed it, or why lines were sent back to the gateway's workers. */
    errors: jsonb('errors').$type<string[]>(),
    /** The spend the part reserved against its key's and project's budgets when submitted (USD). */
    reservedCost: numeric('reserved_cost', { precision: 20, scale: 10 }).notNull().default('0'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** When an upload or create was first sent: a create that may have happened is looked for from here. */
    submitStartedAt: timestamp('submit_started_at', { withTimezone: true }),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    /** When the gateway asked the provider to cancel it (a batch cancel or expiry). */
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    settledAt: timestamp('settled_at', { withTimezone: true }),
  },
  (table) => [
    index('provider_batches_batch_id_idx').on(table.batchId),
    // The reconciler's scan for provider batches not settled yet.
    index('provider_batches_unsettled_created_at_idx')
      .on(table.createdAt)
      .where(sql`status IN ('pending', 'submitting', 'submitted')`),
  ],
);
