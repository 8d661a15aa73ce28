import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { projects } from './projects.ts';

/**
 * Responses API objects kept with `store: true` (the default): what `GET /v1/responses/{id}` answers,
 * its input items, and the conversation a `previous_response_id` continues. Per project: another
 * project's id is not found. The call itself is a `requests` row under the same id.
 */
export const responses = pgTable(
  'responses',
  {
    /** `resp_…` */
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    /** The gateway request id of the call (`requests.id`). */
    requestId: text('request_id').notNull(),
    /** The Response object as answered (status, output, usage, the request's settings). */
    response: jsonb('response').notNull(),
    /** This request's input, as items with ids (`GET /v1/responses/{id}/input_items`). */
    inputItems: jsonb('input_items').notNull(),
    /** The whole conversation up to and including this response's output: what a follow-up continues from. */
    contextItems: jsonb('context_items').notNull(),
    previousResponseId: text('previous_response_id'),
    /** The Responses request as sent (a background response is converted from its job's answer with it). */
    request: jsonb('request').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [index('responses_project_id_created_at_idx').on(table.projectId, table.createdAt)],
);
