import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** Only the SHA-256 of a key is stored; the plaintext is shown once, at creation. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
    /** The first characters of the key, so an operator can tell keys apart in listings. */
    keyPrefix: text('key_prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** Rate limits and budgets of this key (`{rpm, tpm, maxConcurrent, budgets}`), null = none. */
    limits: jsonb('limits'),
  },
  (table) => [index('api_keys_project_id_idx').on(table.projectId)],
);
