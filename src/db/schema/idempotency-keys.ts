import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

export const idempotencyKeyStatuses = ['in_progress', 'completed'] as const;
export type IdempotencyKeyStatus = (typeof idempotencyKeyStatuses)[number];

/**
 * `Idempotency-Key` requests (Stripe's contract): per project and key, the first request's
 * fingerprint and, once it has one, its answer, replayed to every retry until the key expires.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    key: text('key').notNull(),
    /** The operation the key was first used on, e.g. `POST /v1/batches`. */
    operation: text('operation').notNull(),
    /** SHA-256 (hex) of the canonical request: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    /** The first request's id (its `x-request-id`), named when the key is reused with another body. */
    requestId: text('request_id').notNull(),
    status: text('status').$type<IdempotencyKeyStatus>().notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    /** The answer's headers worth replaying (`x-request-id`, cost, route). */
    responseHeaders: jsonb('response_headers').$type<Record<string, string>>(),
    /** While in progress: past this, its request is presumed dead and a retry may take the key over. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ name: 'idempotency_keys_pkey', columns: [table.projectId, table.key] }), index('idempotency_keys_expires_at_idx').on(table.expiresAt)],
);
