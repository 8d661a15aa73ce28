import { millisecondsBetween, rollupUpsertCtes } from '../usage/rollup-sql.ts';
import type { RequestOutcome } from './result-store.ts';

/**
 * The statement `ResultStore` records outcomes with: one round trip, atomic without BEGIN/COMMIT.
 * The outcomes come as one array per column through `unnest`, so the text is the same whatever the
 * number of rows, and is prepared once per connection (planning this statement cost more than
 * running it). Then, as data-modifying CTEs:
 *
 * - `upserted`: the requests rows. A completed request is final: a late report (a re-delivered job's
 *   duplicate, a failure after the success) writes nothing and returns nothing. So is a cancelled one
 *   (an async job cancelled while its call ran): the call's usage is still billed below.
 * - `billed`: the usage rows, billed once per request id whatever happens to the job afterwards (its
 *   foreign key sees the requests rows inserted beside it). Only the rows it actually inserts are
 *   returned, for the spend counters.
 * - `settled` and the rollup upserts: a request counts once, when this statement inserts or transitions
 *   its row; tokens and cost when its usage row is inserted (a usage row whose request row was not
 *   written here, billing a request recorded as completed without usage, still adds its tokens).
 *   Latency is accepted → settled. Served by the gateway: a provider's batch API serves batch lines
 *   only, which `BatchResultWriter` writes. The format is the request row's (set when it was created); the
 *   routing rule the outcome's, else the row's.
 */
export const recordOutcomesSql = `
WITH input AS (
  SELECT * FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[],
    $11::text[], $12::text[], $13::jsonb[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::int[], $18::jsonb[],
    $19::jsonb[], $20::text[], $21::boolean[], $22::int[], $23::int[], $24::int[], $25::numeric[], $26::int[], $27::int[],
    $28::boolean[], $29::numeric[], $30::text[], $31::text[], $32::text[], $33::text[]
  ) AS t(id, project_id, api_key_id, kind, status, model, provider, upstream_model, attempts, status_code,
         error_code, error_message, response, created_at, started_at, completed_at, provider_latency_ms, warnings,
         route_attempts, cache_status, streamed, prompt_tokens, completion_tokens, total_tokens, cost, cached_prompt_tokens, cache_creation_tokens,
         estimated, cost_saved, client_request_id, operation, format, routing_rule)
), upserted AS (
  INSERT INTO requests (id, project_id, api_key_id, kind, status, model, provider, upstream_model, attempts, status_code, error_code,
                        error_message, response, created_at, started_at, completed_at, provider_latency_ms, warnings, route_attempts,
                        cache_status, streamed, client_request_id, operation, format, routing_rule)
  SELECT id, project_id, api_key_id, kind, status, model, provider, upstream_model, attempts, status_code, error_code,
         error_message, response, created_at, started_at, completed_at, provider_latency_ms, warnings, route_attempts, cache_status, streamed,
         client_request_id, operation, format, routing_rule
  FROM input
  -- What a newer outcome overwrites; the creation fields (project, key, kind, model, created_at, client_request_id, operation,
  -- format) stay.
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, provider = excluded.provider, upstream_model = excluded.upstream_model,
    attempts = excluded.attempts, status_code = excluded.status_code, error_code = excluded.error_code,
    error_message = excluded.error_message, response = excluded.response, started_at = excluded.started_at,
    completed_at = excluded.completed_at, provider_latency_ms = excluded.provider_latency_ms, warnings = excluded.warnings,
    route_attempts = excluded.route_attempts, cache_status = excluded.cache_status, streamed = excluded.streamed,
    routing_rule = coalesce(excluded.routing_rule, requests.routing_rule)
  WHERE requests.status NOT IN ('completed', 'cancelled')
  RETURNING id, project_id, api_key_id, model, provider, status, cache_status, created_at, completed_at, format, routing_rule
), billed AS (
  INSERT INTO usage (request_id, project_id, api_key_id, model, provider, upstream_model, prompt_tokens, completion_tokens,
                     total_tokens, cost, created_at, cached_prompt_tokens, cache_creation_tokens, estimated, cost_saved, cache_hit, routing_rule)
  SELECT id, project_id, api_key_id, model, provider, upstream_model, prompt_tokens, completion_tokens, total_tokens, cost,
         completed_at, cached_prompt_tokens, cache_creation_tokens, estimated, cost_saved, cache_status IS NOT DISTINCT FROM 'hit', routing_rule
  FROM input WHERE prompt_tokens IS NOT NULL
  ON CONFLICT (request_id) DO NOTHING
  RETURNING request_id, project_id, api_key_id, total_tokens, cost, created_at, model, provider, prompt_tokens,
            cached_prompt_tokens, completion_tokens, cost_saved
), settled AS (
  SELECT u.completed_at AS settled_at, u.project_id, u.api_key_id, u.model, coalesce(u.provider, '') AS provider, 'gateway' AS served_by,
         u.format, '' AS batch_id, coalesce(u.routing_rule, '') AS routing_rule, 1 AS requests, (u.status <> 'completed')::int AS errors, (u.cache_status IS NOT DISTINCT FROM 'hit')::int AS cache_hits,
         coalesce(b.prompt_tokens, 0) AS prompt_tokens, coalesce(b.cached_prompt_tokens, 0) AS cached_prompt_tokens,
         coalesce(b.completion_tokens, 0) AS completion_tokens, coalesce(b.cost, 0) AS cost, coalesce(b.cost_saved, 0) AS cost_saved,
         0 AS batch_saved, (b.request_id IS NOT NULL AND b.cost IS NULL)::int AS cost_unknown_requests,
         ${millisecondsBetween('u.created_at', 'u.completed_at')} AS latency_ms
  FROM upserted u LEFT JOIN billed b ON b.request_id = u.id
  UNION ALL
  SELECT b.created_at, b.project_id, b.api_key_id, b.model, b.provider, 'gateway', i.format, '', coalesce(i.routing_rule, ''), 0, 0, 0,
         b.prompt_tokens, b.cached_prompt_tokens, b.completion_tokens, coalesce(b.cost, 0), b.cost_saved, 0, (b.cost IS NULL)::int,
         NULL::double precision
  FROM billed b JOIN input i ON i.id = b.request_id WHERE NOT EXISTS (SELECT 1 FROM upserted u WHERE u.id = b.request_id)
)${rollupUpsertCtes('settled')}
SELECT request_id, project_id, api_key_id, total_tokens, coalesce(cost, 0) AS cost, created_at FROM billed`;

const iso = (date: Date) => date.toISOString();
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const nonEmpty = (list: readonly unknown[] | undefined) => (list && list.length > 0 ? JSON.stringify(list) : null);

/** The parameters of {@link recordOutcomesSql}: one array per column, in its order. */
export function recordOutcomesParameters(outcomes: readonly RequestOutcome[]): unknown[] {
  const column = <Value>(pick: (outcome: RequestOutcome) => Value) => outcomes.map(pick);
  return [
    column((o) => o.requestId),
    column((o) => o.projectId),
    column((o) => o.apiKeyId),
    column((o) => o.kind),
    column((o) => o.status),
    column((o) => o.model),
    column((o) => o.provider),
    column((o) => o.upstreamModel),
    column((o) => o.attempts),
    column((o) => o.statusCode),
    column((o) => o.errorCode ?? null),
    column((o) => o.errorMessage ?? null),
    column((o) => json(o.response)),
    column((o) => iso(o.acceptedAt)),
    column((o) => (o.startedAt ? iso(o.startedAt) : null)),
    column((o) => iso(o.completedAt)),
    column((o) => o.providerLatencyMs ?? null),
    column((o) => nonEmpty(o.warnings)),
    column((o) => nonEmpty(o.routeAttempts)),
    column((o) => o.cacheStatus ?? null),
    column((o) => o.streamed ?? false),
    column((o) => o.usage?.promptTokens ?? null),
    column((o) => o.usage?.completionTokens ?? null),
    column((o) => o.usage?.totalTokens ?? null),
    // An unpriced model's cost is unknown: NULL, never a zero that reads as free.
    column((o) => (o.usage && !o.usage.costUnknown ? o.usage.cost : null)),
    column((o) => (o.usage ? (o.usage.cachedPromptTokens ?? 0) : null)),
    column((o) => (o.usage ? (o.usage.cacheCreationTokens ?? 0) : null)),
    column((o) => (o.usage ? (o.usage.estimated ?? false) : null)),
    column((o) => (o.usage ? (o.usage.costSaved ?? '0') : null)),
    column((o) => o.correlation?.clientRequestId ?? null),
    column((o) => o.operation ?? 'chat'),
    column((o) => o.format),
    column((o) => o.routingRule ?? null),
  ];
}
