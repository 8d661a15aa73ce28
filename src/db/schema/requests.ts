import type { OperationName } from '../../operations/registry.ts';
import type { RequestFormat } from '../../formats/request-format.ts';
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { projects } from './projects.ts';

export const requestStatuses = ['queued', 'in_progress', 'completed', 'failed', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof requestStatuses)[number];
export const requestKinds = ['sync', 'async', 'batch'] as const;
export type RequestKind = (typeof requestKinds)[number];
export type RequestCacheStatus = 'hit' | 'miss' | 'bypass';

/**
 * One row per chat request (a job). Its id is the BullMQ job id and the `x-request-id` the client
 * saw, so every write keyed on it is idempotent.
 */
export const requests = pgTable(
  'requests',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    kind: text('kind').$type<RequestKind>().notNull(),
    status: text('status').$type<RequestStatus>().notNull(),
    /** The model name the client asked for. */
    model: text('model').notNull(),
    /** Provider instance and upstream model that served (or last tried) the request. */
    provider: text('provider'),
    upstreamModel: text('upstream_model'),
    attempts: integer('attempts').notNull().default(0),
    /** HTTP status the gateway answered (or would answer) for this request. */
    statusCode: integer('status_code'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    response: jsonb('response'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** Time spent in the provider call of the final attempt. */
    providerLatencyMs: integer('provider_latency_ms'),
    /** Batch lines: their batch, `custom_id` and line number (unique per batch: exactly once). */
    batchId: text('batch_id'),
    customId: text('custom_id'),
    lineNumber: integer('line_number'),
    /** Async jobs: the body, so accepted work can be re-enqueued if Redis loses it. */
    requestBody: jsonb('request_body'),
    webhookUrl: text('webhook_url'),
    /** Settings the provider could not honour (dropped with a warning, never silently). */
    warnings: jsonb('warnings'),
    /**
     * The fallback trail: every attempt in order, the one that served (or finally failed) the request
     * last: `[{provider, model, outcome, status, code, message, latencyMs}]` (`RouteAttempt`).
     */
    routeAttempts: jsonb('route_attempts'),
    /** The response cache's part: `hit` (answered from it), `miss` (looked up, computed), `bypass` (not looked up). */
    cacheStatus: text('cache_status').$type<RequestCacheStatus>(),
    /** Answered as an SSE stream (`stream: true`). */
    streamed: boolean('streamed').notNull().default(false),
    /**
     * The caller's own `x-request-id`, when well-formed: a correlation id, not a key (two requests may
     * send the same one; each keeps its own `id`).
     */
    clientRequestId: text('client_request_id'),
    /** What was asked: `chat` (chat completions) or `embeddings` (see src/operations). */
    operation: text('operation').$type<OperationName>().notNull().default('chat'),
    /**
     * The client API it came in through: `chat`, `embeddings`, `messages` (Anthropic Messages) or
     * `responses` (OpenAI Responses); a batch line's is its batch's endpoint's (see src/formats/request-format.ts).
     */
    format: text('format').$type<RequestFormat>().notNull().default('chat'),
    /** The model's routing rule that chose the routes (`default`: its own routes); null where none was recorded. */
    routingRule: text('routing_rule'),
    /** A batch line served by its provider's batch API: that provider batch's id (null for the gateway's own calls). */
    providerBatchId: text('provider_batch_id'),
  },
  (table) => [
    index('requests_project_id_created_at_idx').on(table.projectId, table.createdAt),
    index('requests_api_key_id_created_at_idx').on(table.apiKeyId, table.createdAt),
    uniqueIndex('requests_batch_id_line_number_idx').on(table.batchId, table.lineNumber),
    // The reconciler's scan for accepted async jobs that have not settled: tiny, however big the table.
    index('requests_unsettled_async_created_at_idx')
      .on(table.createdAt)
      .where(sql`kind = 'async' AND status IN ('queued', 'in_progress')`),
  ],
);
