import type pg from 'pg';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import type { RequestFormat } from '../formats/request-format.ts';

/** One request as `GET /v1/requests/{id}` shows it: its route, attempts, timings, tokens and cost; no bodies. */
export interface RequestLog {
  id: string;
  object: 'request';
  /** The caller's own `x-request-id`, when it sent a well-formed one (a correlation id; `id` is the key). */
  client_request_id: string | null;
  kind: string;
  /** `chat` or `embeddings`. */
  operation: string;
  /** The client API it came in through: `chat`, `embeddings`, `messages` or `responses`. */
  format: RequestFormat;
  /** The model's routing rule that chose the routes (`default`: its own); null where none was recorded. */
  routing_rule: string | null;
  status: string;
  status_code: number | null;
  model: string;
  provider: string | null;
  upstream_model: string | null;
  batch_id: string | null;
  custom_id: string | null;
  streamed: boolean;
  cache_status: string | null;
  attempts: number;
  route_attempts: Array<{
    provider: string;
    model: string;
    outcome: string;
    status: number | null;
    code: string | null;
    message: string | null;
    latency_ms: number;
  }>;
  error: { code: string | null; message: string | null } | null;
  timings: {
    created_at: string;
    started_at: string | null;
    completed_at: string | null;
    /** Accepted → first call started (for a batch line: the batch's acceptance → the line's start). */
    queue_wait_ms: number | null;
    provider_latency_ms: number | null;
    /** Accepted → settled. */
    total_ms: number | null;
  };
  usage: {
    input_tokens: number;
    cached_input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    /** Null when nothing priced the model: the cost is unknown (never billed as zero). */
    cost: string | null;
    cost_saved: string;
    estimated: boolean;
  } | null;
  warnings: string[];
}

interface RequestLogRow {
  id: string;
  client_request_id: string | null;
  kind: string;
  /** `chat` or `embeddings`. */
  operation: string;
  format: RequestFormat;
  /** The model's routing rule that chose the routes (`default`: its own); null where none was recorded. */
  routing_rule: string | null;
  status: string;
  status_code: number | null;
  model: string;
  provider: string | null;
  upstream_model: string | null;
  batch_id: string | null;
  custom_id: string | null;
  streamed: boolean;
  cache_status: string | null;
  attempts: number;
  route_attempts: RouteAttempt[] | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  provider_latency_ms: number | null;
  warnings: string[] | null;
  prompt_tokens: number | null;
  cached_prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cost: string | null;
  cost_saved: string | null;
  estimated: boolean | null;
}

const requestLogSql = `
SELECT r.id, r.client_request_id, r.kind, r.operation, r.format, r.routing_rule, r.status, r.status_code, r.model, r.provider, r.upstream_model, r.batch_id, r.custom_id, r.streamed,
       r.cache_status, r.attempts, r.route_attempts, r.error_code, r.error_message, r.created_at, r.started_at, r.completed_at,
       r.provider_latency_ms, r.warnings, u.prompt_tokens, u.cached_prompt_tokens, u.completion_tokens, u.total_tokens,
       trim_scale(u.cost)::text AS cost, trim_scale(u.cost_saved)::text AS cost_saved, u.estimated
FROM requests r LEFT JOIN usage u ON u.request_id = r.id
WHERE r.id = $1`;

/** A request's log; with `projectId`, only if it belongs to that project (another's is as unknown). */
export async function findRequestLog(pool: pg.Pool, id: string, projectId?: string): Promise<RequestLog | undefined> {
  const { rows } = await pool.query<RequestLogRow>(projectId === undefined ? requestLogSql : `${requestLogSql} AND r.project_id = $2`, projectId === undefined ? [id] : [id, projectId]);
  return rows[0] ? toRequestLog(rows[0]) : undefined;
}

const between = (start: Date | null, end: Date | null) => (start && end ? Math.max(0, end.getTime() - start.getTime()) : null);

export function toRequestLog(row: RequestLogRow): RequestLog {
  const failed = row.status !== 'completed' && (row.error_code !== null || row.error_message !== null);
  return {
    id: row.id,
    object: 'request',
    client_request_id: row.client_request_id,
    kind: row.kind,
    operation: row.operation,
    format: row.format,
    routing_rule: row.routing_rule,
    status: row.status,
    status_code: row.status_code,
    model: row.model,
    provider: row.provider,
    upstream_model: row.upstream_model,
    batch_id: row.batch_id,
    custom_id: row.custom_id,
    streamed: row.streamed,
    cache_status: row.cache_status,
    attempts: row.attempts,
    route_attempts: (row.route_attempts ?? []).map((attempt) => ({
      provider: attempt.provider,
      model: attempt.model,
      outcome: attempt.outcome,
      status: attempt.status,
      code: attempt.code,
      message: attempt.message,
      latency_ms: attempt.latencyMs,
    })),
    error: failed ? { code: row.error_code, message: row.error_message } : null,
    timings: {
      created_at: row.created_at.toISOString(),
      started_at: row.started_at?.toISOString() ?? null,
      completed_at: row.completed_at?.toISOString() ?? null,
      queue_wait_ms: row.cache_status === 'hit' ? null : between(row.created_at, row.started_at),
      provider_latency_ms: row.provider_latency_ms,
      total_ms: between(row.created_at, row.completed_at),
    },
    usage:
      row.prompt_tokens === null
        ? null
        : {
            input_tokens: row.prompt_tokens,
            cached_input_tokens: row.cached_prompt_tokens ?? 0,
            output_tokens: row.completion_tokens ?? 0,
            total_tokens: row.total_tokens ?? 0,
            cost: row.cost,
            cost_saved: row.cost_saved ?? '0',
            estimated: row.estimated ?? false,
          },
    warnings: row.warnings ?? [],
  };
}
