import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const projects = pgTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique('projects_name_unique'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** Standard Webhooks signing secret (`whsec_…`); needed in clear to sign, shown to the operator once. */
  webhookSecret: text('webhook_secret'),
  /** Where events go when a batch or job names no webhook of its own. */
  webhookUrl: text('webhook_url'),
  /** Rate limits and budgets of the whole project (`{rpm, tpm, maxConcurrent, budgets}`), null = none. */
  limits: jsonb('limits'),
});
