import type pg from 'pg';
import { GroupCommitter } from '../db/group-commit.ts';
import type { OutageWait } from '../db/outage-retry.ts';
import type { BatchLineOutcome, RequestOutcomeStatus } from './request-outcome.ts';
import { settledUsageOf, type SettledRequest, type SettledRequests } from '../observability/settled-requests.ts';
import { millisecondsBetween, rollupUpsertCtes } from '../usage/rollup-sql.ts';

export type BatchLineStatus = RequestOutcomeStatus;
export type { BatchLineOutcome } from './request-outcome.ts';

/** A row of the write's answer: a batch it counted lines on, or a line it inserted. */
type WrittenRow =
  | { kind: 'batch'; id: string; done: boolean; project_id: string; api_key_id: string; billed_cost: string }
  | { kind: 'line'; id: string; done: null; project_id: null; api_key_id: null; billed_cost: null };

/** The cost one write billed to a batch, hence to its key and project. */
export interface BatchBilling {
  batchId: string;
  projectId: string;
  apiKeyId: string;
  cost: string;
}

/**
 * Writes batch line outcomes with group commit, in ONE statement per write: the lines go into
 * `requests` (ON CONFLICT DO NOTHING on the request id and on (batch_id, line_number)), only the
 * lines actually inserted are billed in `usage` and counted on their batch. A line written twice
 * (a re-run chunk) therefore counts and bills once. One JSON parameter (`json_to_recordset`) keeps the statement's
 * parameter count fixed whatever the number of rows.
 */
export class BatchResultWriter {
  private readonly committer: GroupCommitter<BatchLineOutcome>;

  private readonly onBilled: ((billed: BatchBilling[]) => Promise<void>) | undefined;
  private readonly settled: SettledRequests | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onBatchesDone: (batchIds: string[]) => Promise<void>,
    options: {
      maxBatchSize?: number;
      maxInFlight?: number;
      /** Told the cost each write billed per batch (spend budgets); must not reject. */
      onBilled?: (billed: BatchBilling[]) => Promise<void>;
      /** Told every line once committed (metrics, the request log). */
      settled?: SettledRequests;
      /** Wait out a Postgres outage with the outcomes in memory (see GroupCommitter). */
      outage?: OutageWait;
    } = {},
  ) {
    this.onBilled = options.onBilled;
    this.settled = options.settled;
    this.committer = new GroupCommitter((outcomes) => this.write(outcomes), {
      maxBatchSize: options.maxBatchSize ?? 1000,
      maxInFlight: options.maxInFlight ?? 2,
      outage: options.outage,
    });
  }

  record(outcome: BatchLineOutcome): Promise<void> {
    return this.committer.add(outcome);
  }

  /** Many outcomes at once (a page of a provider's results): they go out together rather than the first alone. */
  recordMany(outcomes: readonly BatchLineOutcome[]): Promise<void> {
    return this.committer.addMany(outcomes);
  }

  flush(): Promise<void> {
    return this.committer.flush();
  }

  private async write(written: BatchLineOutcome[]): Promise<void> {
    // One row per line per statement: the same line twice in one write (two runs of its chunk at once,
    // e.g. one put back after Redis lost it) would be counted twice by the joins below. A success wins.
    const byId = new Map<string, BatchLineOutcome>();
    for (const outcome of written) {
      const seen = byId.get(outcome.requestId);
      if (!seen || (outcome.status === 'completed' && seen.status !== 'completed')) byId.set(outcome.requestId, outcome);
    }
    const outcomes = [...byId.values()];
    // Named: prepared once per connection (the statement's planning cost more than a small chunk's run).
    // One JSON parameter, its rows read by json_to_recordset: one native JSON.stringify instead of a
    // pg-escaped array per column, and answers go in as the JSON they are (never stringified twice).
    const { rows } = await this.pool.query<WrittenRow>({ name: 'record-batch-lines', text: writeSql, values: [JSON.stringify(outcomes.map(inputRowOf))] });
    // Only the lines this write inserted: a line written again (a re-run chunk, a job put back after
    // Redis lost it) was reported by the write that inserted it, and must not count twice.
    if (this.settled) {
      const inserted = new Set(rows.filter((row) => row.kind === 'line').map((row) => row.id));
      const firsts = outcomes.filter((outcome) => inserted.has(outcome.requestId));
      if (firsts.length > 0) this.settled.publish(firsts.map(settledLineOf));
    }
    const batchRows = rows.filter((row): row is WrittenRow & { kind: 'batch' } => row.kind === 'batch');
    const billed = batchRows.filter((row) => row.billed_cost !== '0');
    if (this.onBilled && billed.length > 0) {
      await this.onBilled(billed.map((row) => ({ batchId: row.id, projectId: row.project_id, apiKeyId: row.api_key_id, cost: row.billed_cost }))).catch(() => {});
    }
    const done = batchRows.filter((row) => row.done).map((row) => row.id);
    if (done.length > 0) await this.onBatchesDone(done);
  }
}

/** A line's row of the write's JSON parameter, its keys the columns of `json_to_recordset` below. */
function inputRowOf(o: BatchLineOutcome) {
  const usage = o.usage;
  return {
    id: o.requestId,
    project_id: o.projectId,
    api_key_id: o.apiKeyId,
    status: o.status,
    model: o.model,
    provider: o.provider,
    upstream_model: o.upstreamModel,
    attempts: o.attempts,
    status_code: o.statusCode,
    error_code: o.errorCode ?? null,
    error_message: o.errorMessage ?? null,
    response: o.response ?? null,
    created_at: o.acceptedAt,
    started_at: o.startedAt,
    completed_at: o.completedAt,
    provider_latency_ms: o.providerLatencyMs ?? null,
    batch_id: o.batchId,
    custom_id: o.customId,
    line_number: o.lineNumber,
    prompt_tokens: usage?.promptTokens ?? null,
    completion_tokens: usage?.completionTokens ?? null,
    total_tokens: usage?.totalTokens ?? null,
    cost: usage && !usage.costUnknown ? usage.cost : null,
    cached_prompt_tokens: usage ? (usage.cachedPromptTokens ?? 0) : null,
    cache_creation_tokens: usage ? (usage.cacheCreationTokens ?? 0) : null,
    estimated: usage ? (usage.estimated ?? false) : null,
    warnings: o.warnings && o.warnings.length > 0 ? o.warnings : null,
    route_attempts: o.routeAttempts && o.routeAttempts.length > 0 ? o.routeAttempts : null,
    cache_status: o.cacheStatus ?? null,
    cost_saved: usage ? (usage.costSaved ?? '0') : null,
    operation: o.operation ?? 'chat',
    format: o.format,
    routing_rule: o.routingRule ?? null,
    provider_batch_id: o.providerBatchId ?? null,
    batch_saved: usage ? (usage.batchSaved ?? '0') : null,
  };
}

function settledLineOf(outcome: BatchLineOutcome): SettledRequest {
  const started = outcome.startedAt ?? outcome.completedAt;
  return {
    requestId: outcome.requestId,
    kind: 'batch',
    projectId: outcome.projectId,
    apiKeyId: outcome.apiKeyId,
    model: outcome.model,
    provider: outcome.provider,
    upstreamModel: outcome.upstreamModel,
    batchId: outcome.batchId,
    operation: outcome.operation ?? 'chat',
    format: outcome.format,
    status: outcome.status,
    statusCode: outcome.statusCode,
    errorCode: outcome.errorCode ?? null,
    attempts: outcome.attempts,
    cacheStatus: outcome.cacheStatus ?? null,
    streamed: false,
    latencyMs: Math.max(0, outcome.completedAt.getTime() - started.getTime()),
    queueWaitMs: null,
    providerLatencyMs: outcome.providerLatencyMs ?? null,
    usage: outcome.usage ? settledUsageOf(outcome.usage) : null,
  };
}

const writeSql = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS t(
    id text, project_id text, api_key_id text, status text, model text, provider text, upstream_model text, attempts int, status_code int,
    error_code text, error_message text, response jsonb, created_at timestamptz, started_at timestamptz, completed_at timestamptz,
    provider_latency_ms int, batch_id text, custom_id text, line_number int, prompt_tokens int, completion_tokens int, total_tokens int,
    cost numeric, cached_prompt_tokens int, cache_creation_tokens int, estimated boolean, warnings jsonb, route_attempts jsonb,
    cache_status text, cost_saved numeric, operation text, format text, routing_rule text, provider_batch_id text, batch_saved numeric)
), inserted AS (
  INSERT INTO requests (id, project_id, api_key_id, kind, status, model, provider, upstream_model, attempts, status_code,
                        error_code, error_message, response, created_at, started_at, completed_at, provider_latency_ms,
                        batch_id, custom_id, line_number, warnings, route_attempts, cache_status, operation, format, routing_rule, provider_batch_id)
  SELECT id, project_id, api_key_id, 'batch', status, model, provider, upstream_model, attempts, status_code,
         error_code, error_message, response, created_at, started_at, completed_at, provider_latency_ms,
         batch_id, custom_id, line_number, warnings, route_attempts, cache_status, operation, format, routing_rule, provider_batch_id
  FROM input
  ON CONFLICT DO NOTHING
  RETURNING id
), billed AS (
  INSERT INTO usage (request_id, project_id, api_key_id, model, provider, upstream_model, prompt_tokens,
                     completion_tokens, total_tokens, cost, created_at, batch_id, cached_prompt_tokens,
                     cache_creation_tokens, estimated, cost_saved, cache_hit, batch_saved, routing_rule)
  SELECT i.id, i.project_id, i.api_key_id, i.model, i.provider, i.upstream_model, i.prompt_tokens,
         i.completion_tokens, i.total_tokens, i.cost, i.completed_at, i.batch_id, i.cached_prompt_tokens,
         i.cache_creation_tokens, i.estimated, i.cost_saved, i.cache_status IS NOT DISTINCT FROM 'hit', i.batch_saved, i.routing_rule
  FROM input i JOIN inserted USING (id)
  WHERE i.prompt_tokens IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING request_id, batch_id, prompt_tokens, cached_prompt_tokens, completion_tokens, cost, cost_saved, batch_saved
), counted AS (
  SELECT i.batch_id,
         count(*) FILTER (WHERE i.status = 'completed') AS completed,
         count(*) FILTER (WHERE i.status <> 'completed') AS failed
  FROM input i JOIN inserted USING (id)
  GROUP BY i.batch_id
), tokens AS (
  SELECT batch_id, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion, sum(cost) AS cost
  FROM billed GROUP BY batch_id
), settled AS (
  -- Rollup input: the lines inserted here (a re-run chunk's lines insert nothing), billed or not.
  -- A line's latency is started → settled: the batch's own wait is not the line's.
  SELECT i.completed_at AS settled_at, i.project_id, i.api_key_id, i.model, coalesce(i.provider, '') AS provider,
         CASE WHEN i.provider_batch_id IS NULL THEN 'gateway' ELSE 'batch_api' END AS served_by, i.format, i.batch_id,
         coalesce(i.routing_rule, '') AS routing_rule, 1 AS requests, (i.status <> 'completed')::int AS errors, (i.cache_status IS NOT DISTINCT FROM 'hit')::int AS cache_hits,
         coalesce(b.prompt_tokens, 0) AS prompt_tokens, coalesce(b.cached_prompt_tokens, 0) AS cached_prompt_tokens,
         coalesce(b.completion_tokens, 0) AS completion_tokens, coalesce(b.cost, 0) AS cost, coalesce(b.cost_saved, 0) AS cost_saved,
         coalesce(b.batch_saved, 0) AS batch_saved, (b.request_id IS NOT NULL AND b.cost IS NULL)::int AS cost_unknown_requests,
         ${millisecondsBetween('i.started_at', 'i.completed_at')} AS latency_ms
  FROM input i JOIN inserted USING (id) LEFT JOIN billed b ON b.request_id = i.id
)${rollupUpsertCtes('settled')}, updated AS (
  UPDATE batches b
  SET completed_count = b.completed_count + counted.completed,
      failed_count = b.failed_count + counted.failed,
      prompt_tokens = b.prompt_tokens + coalesce(tokens.prompt, 0),
      completion_tokens = b.completion_tokens + coalesce(tokens.completion, 0),
      cost = b.cost + coalesce(tokens.cost, 0)
  FROM counted LEFT JOIN tokens USING (batch_id)
  WHERE b.id = counted.batch_id
  RETURNING b.id, b.completed_count + b.failed_count >= b.total_count AS done, b.project_id, b.api_key_id,
            coalesce(tokens.cost, 0)::text AS billed_cost
)
SELECT 'batch' AS kind, id, done, project_id, api_key_id, billed_cost FROM updated
UNION ALL
SELECT 'line', id, NULL, NULL, NULL, NULL FROM inserted`;
