import type { Job } from 'bullmq';
import pLimit from 'p-limit';
import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import { billedCost } from '../operations/cost.ts';
import { warnAboutServingRoute } from '../operations/route-warnings.ts';
import { providerErrorToGatewayError } from '../execution/provider-error-mapping.ts';
import { batchRequestId } from './batch-object.ts';
import { createBatchLineChecker, rangesContain, type BatchLineChecker } from './batch-line.ts';
import { batchStopKey, type BatchChunkJob, type BatchStopReason } from '../queues/batch-queues.ts';
import { markChunkDone } from './batch-chunk-store.ts';
import { HandBackError } from '../errors/hand-back-error.ts';
import type { BatchLineOutcome, BatchResultWriter } from '../records/batch-result-writer.ts';
import { callWithRetries } from '../execution/call-with-retries.ts';
import { createBatchLinePlanner } from './plan-batch-line.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { chainFailureError } from '../execution/route-skip.ts';
import type { RoutingSignalsReader } from '../routing/routing-signals.ts';
import type { RouteSignals } from '../execution/call-route.ts';
import { StopSignal } from './stop-signal.ts';
import type { LimitProvider } from '../limits/provider/provider-limits.ts';
import { bindRequest } from '../operations/registry.ts';
import { operationOfEndpoint } from '../formats/batch-line-formats.ts';
import { formatOfEndpoint } from '../formats/request-format.ts';
import { cacheHitFields, cacheStatusOf, type GatewayCache } from '../cache/gateway-cache.ts';
import { TenantBudgetExceededError, type TenantBudgetGate } from '../limits/tenant/tenant-budget-gate.ts';
import { inJobSpan, noTracing, type TraceSpan, type Tracing } from '../observability/tracing.ts';
import { routeAttemptAttributes } from '../observability/gen-ai-attributes.ts';

export interface BatchChunkDependencies {
  config: GatewayConfig;
  pool: pg.Pool;
  redis: RedisClient;
  prefix: string;
  providers: ReadonlyMap<string, ProviderClient>;
  /** Caps a provider's in-flight calls across sync and batch work in this process. */
  limitProvider: LimitProvider;
  /** Stops lines (`budget_exceeded`) once the batch's key or project is over a spend budget. */
  budgetGate?: TenantBudgetGate;
  /** Circuit breakers and latencies: a line falls back over its routes as a sync call does. */
  signals?: RouteSignals & RoutingSignalsReader;
  writer: BatchResultWriter;
  /** The response cache, under the config's policy (batch lines carry no cache headers). */
  cache?: GatewayCache;
  logger: Logger;
  /**
   * The drain deadline: lines not started are left, calls under way are given up (their lines not
   * recorded) and the chunk goes back to its queue, to skip the lines recorded so far when it runs again.
   */
  handBack?: AbortSignal;
  /** A span per chunk run; lines get one when sampled (`tracing.batchLineRatio`) or when they fail. @defaultValue no tracing */
  tracing?: Tracing;
}

interface BatchHeader {
  id: string;
  project_id: string;
  api_key_id: string;
  input_file_id: string;
  status: string;
  stop_reason: BatchStopReason | null;
  created_at: Date;
  /** The path every line calls (`/v1/chat/completions`, `/v1/embeddings`, `/v1/responses`, `/v1/messages`). */
  endpoint: string;
}

interface LineRow {
  line_number: number;
  custom_id: string;
  content: string;
}

/**
 * Runs one chunk of a batch: reads its lines from Postgres (skipping lines that already have a result,
 * so a re-run chunk does no work twice), calls each line's provider under the provider's limit, and
 * records every outcome. The job completes only once all its lines are committed.
 */
export function createBatchChunkProcessor(dependencies: BatchChunkDependencies) {
  const { pool, writer } = dependencies;
  const guardBudget: TenantBudgetGate['guard'] = (limit, owner, provider) => dependencies.budgetGate?.guard(limit, owner, provider) ?? limit;
  const planLine = createBatchLinePlanner({ config: dependencies.config, signals: dependencies.signals });
  // Lines share the answers for their (model, capabilities) combinations: one checker per endpoint.
  const checkers = new Map<string, BatchLineChecker>();
  const checkerFor = (endpoint: string) => {
    let checker = checkers.get(endpoint);
    if (!checker) checkers.set(endpoint, (checker = createBatchLineChecker(dependencies.config, { endpoint })));
    return checker;
  };
  const providerOf = (name: string) => {
    const client = dependencies.providers.get(name);
    const settings = Object.hasOwn(dependencies.config.providers, name) ? dependencies.config.providers[name] : undefined;
    return client && settings ? { client, maxAttempts: settings.maxAttempts, retryBaseDelayMs: settings.retryBaseDelayMs } : undefined;
  };

  const tracing = dependencies.tracing ?? noTracing;

  return async function processBatchChunk(job: Job<BatchChunkJob>): Promise<{ lines: number }> {
    const start = () => ({ queue: job.queueName, jobId: job.id ?? '', traceparent: job.data.traceparent, attempt: job.attemptsMade + 1, attributes: { 'gateway.batch.id': job.data.batchId } });
    return inJobSpan(tracing, start, (span) => runChunk(job, span), { outcome: (result) => ({ 'gateway.batch.lines': result.lines }) });
  };

  async function runChunk(job: Job<BatchChunkJob>, span: TraceSpan): Promise<{ lines: number }> {
    const { batchId, ranges } = job.data;
    const { rows: headers } = await pool.query<BatchHeader>('SELECT id, project_id, api_key_id, input_file_id, status, stop_reason, created_at, endpoint FROM batches WHERE id = $1', [batchId]);
    const batch = headers[0];
    if (!batch || !['in_progress', 'cancelling'].includes(batch.status)) {
      await markChunkDone(pool, job.data);
      return { lines: 0 };
    }
    const first = ranges[0]?.[0] ?? 0;
    const last = ranges[ranges.length - 1]?.[1] ?? -1;
    const { rows } = await pool.query<LineRow>(
      `SELECT fl.line_number, fl.custom_id, fl.content FROM file_lines fl
       WHERE fl.file_id = $1 AND fl.line_number BETWEEN $2 AND $3
         AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.batch_id = $4 AND r.line_number = fl.line_number)
       ORDER BY fl.line_number`,
      [batch.input_file_id, first, last, batchId],
    );
    const lines = rows.filter((row) => rangesContain(ranges, row.line_number));
    const stop = new StopSignal(dependencies.redis, batchStopKey(dependencies.prefix, batchId), undefined, batch.stop_reason);
    // At most `concurrency` lines of a chunk are started at once: the rest wait here, not in the
    // provider limiter, so they see a cancel or expiry before they start and Redis sees few waiters.
    const concurrency = dependencies.config.providers[job.data.provider]?.concurrency ?? 1;
    const startLine = pLimit(Math.max(1, concurrency));
    const handBack = dependencies.handBack;
    const hinted = new Set<string>();
    const chunkTrace = { span, failedLinesTraced: 0 };
    await Promise.all(lines.map((line) => startLine(() => (handBack?.aborted ? Promise.resolve() : traceLine(batch, line, stop, hinted, chunkTrace)))));
    if (chunkTrace.failedLinesTraced > 0) span.setAttributes({ 'gateway.batch.failed_lines_traced': chunkTrace.failedLinesTraced });
    if (handBack?.aborted) throw new HandBackError();
    // Every line of the chunk is committed: the reconciler has nothing to put back for it.
    await markChunkDone(pool, job.data);
    return { lines: lines.length };
  }

  /**
   * Runs and records one line; a sampled line runs in a span of its own (its provider calls as its
   * children), and a failed one that was not sampled is traced after the fact, its attempts as events
   * (at most {@link maxFailedLineSpansPerChunk} a chunk run: a batch whose every line fails is not a span per line).
   */
  async function traceLine(batch: BatchHeader, line: LineRow, stop: StopSignal, hinted: Set<string>, chunk: { span: TraceSpan; failedLinesTraced: number }): Promise<void> {
    if (!tracing.enabled) {
      const outcome = await runLine(batch, line, stop, hinted, undefined);
      if (outcome) await writer.record(outcome);
      return;
    }
    const startedAt = Date.now();
    const requestId = batchRequestId(batch.id, line.line_number);
    const attributes = { 'gateway.request_id': requestId, 'gateway.batch.line': line.line_number, 'gateway.batch.custom_id': line.custom_id };
    const lineSpan = tracing.batchLines.sampled(line.line_number) ? chunk.span.startChild('batch line', attributes) : undefined;
    const outcome = await runLine(batch, line, stop, hinted, lineSpan);
    if (!outcome) {
      lineSpan?.end({ attributes: { 'gateway.outcome': 'handed_back' } });
      return;
    }
    // Cancelled and expired lines did not fail: a cancelled batch is not a span per line.
    const error = outcome.status === 'failed' ? errorOf({ name: outcome.errorCode ?? 'failed', message: outcome.errorMessage ?? 'failed' }) : undefined;
    const ended = { 'gateway.outcome': outcome.status, 'error.type': outcome.errorCode ?? undefined, 'gateway.provider': outcome.provider ?? undefined, 'gateway.attempts': outcome.attempts };
    if (lineSpan) {
      lineSpan.end({ attributes: ended, ...(error ? { error } : {}) });
    } else if (error && tracing.batchLines.failedLines && chunk.failedLinesTraced < maxFailedLineSpansPerChunk) {
      chunk.failedLinesTraced += 1;
      const events = (outcome.routeAttempts ?? []).map((attempt) => ({ name: 'gateway.attempt', attributes: routeAttemptAttributes(attempt) }));
      chunk.span.recordChild({ name: 'batch line', startedAt, endedAt: Date.now(), attributes: { ...attributes, ...ended }, error, events });
    }
    await writer.record(outcome);
  }

  /** One line's outcome, to record; undefined when the drain stopped it (the chunk's next run makes its call). */
  async function runLine(batch: BatchHeader, line: LineRow, stop: StopSignal, hinted: Set<string>, lineSpan: TraceSpan | undefined): Promise<BatchLineOutcome | undefined> {
    const base = {
      kind: 'batch' as const,
      requestId: batchRequestId(batch.id, line.line_number),
      batchId: batch.id,
      lineNumber: line.line_number,
      customId: line.custom_id,
      projectId: batch.project_id,
      apiKeyId: batch.api_key_id,
      acceptedAt: batch.created_at,
      operation: operationOfEndpoint(batch.endpoint),
      format: formatOfEndpoint(batch.endpoint),
    };
    const failed = (fields: Partial<BatchLineOutcome> & Pick<BatchLineOutcome, 'model' | 'status' | 'errorCode' | 'errorMessage'>): BatchLineOutcome => ({
      ...base,
      provider: null,
      upstreamModel: null,
      statusCode: null,
      response: null,
      attempts: 0,
      startedAt: null,
      completedAt: new Date(),
      providerLatencyMs: null,
      usage: null,
      ...fields,
    });

    // Checked when the batch was created and started too; again here, for a worker whose config differs.
    const prepared = checkerFor(batch.endpoint)(line.content);
    if (!prepared.ok) return failed({ status: 'failed', model: prepared.model, statusCode: prepared.statusCode, errorCode: prepared.code, errorMessage: prepared.message });
    const model = prepared.model;
    const planned = await planLine(prepared);
    if (!planned.ok) return failed({ status: 'failed', model, statusCode: planned.statusCode, errorCode: planned.code, errorMessage: planned.message });

    const stopped = await stop.reason();
    if (stopped) {
      const message = stopped === 'cancelled' ? 'The batch was cancelled before this request ran.' : 'The batch expired before this request ran.';
      return failed({ status: stopped, model, errorCode: stopped === 'cancelled' ? 'batch_cancelled' : 'batch_expired', errorMessage: message });
    }

    const bound = bindRequest(planned);
    const cachePlan = dependencies.cache?.plan({ projectId: batch.project_id, operation: bound.operation, request: planned.request, routes: planned.routes });
    const cached = await dependencies.cache?.lookup(cachePlan);
    if (cached) {
      return {
        ...base,
        routingRule: planned.routingRule,
        model,
        ...cacheHitFields(cached),
        errorCode: null,
        errorMessage: null,
        response: cached.response,
        providerLatencyMs: null,
        warnings: prepared.warnings,
      };
    }
    const cacheStatus = cacheStatusOf(cachePlan, false);

    const startedAt = new Date();
    const outcome = await callWithRetries({
      routes: planned.routes,
      providerOf,
      request: bound,
      requestId: base.requestId,
      limitFor: (route) =>
        guardBudget(
          dependencies.limitProvider({ provider: route.provider, model: route.upstreamModel, estimatedTokens: () => bound.estimateInputTokens(route.upstreamModel), trafficClass: 'batch' }),
          { apiKeyId: batch.api_key_id, projectId: batch.project_id },
          route.provider,
        ),
      signals: dependencies.signals,
      retryPolicy: dependencies.config.routing,
      shouldStop: async () => dependencies.handBack?.aborted === true || (await stop.reason()) !== null,
      waitWhileOpen: true,
      handBack: dependencies.handBack,
      trace: lineSpan,
    });
    // Stopped by the drain: nothing to record; the chunk's next run makes this line's call.
    if (!outcome.ok && dependencies.handBack?.aborted) return undefined;
    const { route, trail } = outcome;
    const routed = {
      model,
      provider: route.provider,
      upstreamModel: route.upstreamModel,
      attempts: outcome.attempts,
      startedAt,
      providerLatencyMs: outcome.latencyMs,
      routeAttempts: trail,
      cacheStatus,
    };
    if (outcome.ok) {
      const { response, usage } = outcome.result;
      const { cost, costUnknown } = billedCost({ usage, route });
      warnAboutServingRoute(dependencies.logger, route, costUnknown === true);
      void dependencies.cache?.remember(cachePlan, outcome.result, { provider: route.provider, upstreamModel: route.upstreamModel, cost }, bound);
      return {
        ...base,
        routingRule: planned.routingRule,
        ...routed,
        status: 'completed',
        statusCode: 200,
        errorCode: null,
        errorMessage: null,
        response,
        completedAt: new Date(),
        usage: { ...usage, cost, ...(costUnknown ? { costUnknown } : {}) },
        warnings: [...prepared.warnings, ...(outcome.result.warnings ?? [])],
      };
    }
    const lineError = TenantBudgetExceededError.isBudgetStop(outcome.error)
      ? outcome.error.toGatewayError()
      : outcome.attempts === 0 && outcome.error.code === 'circuit_open'
        ? new GatewayError({ code: 'no_route_available', message: `No route of '${model}' is taking calls (${outcome.error.message}).` })
        : providerErrorToGatewayError(outcome.error);
    const gatewayError = chainFailureError(lineError, { model, trail });
    // A config problem (the provider refusing the gateway's key, an unknown deployment) fails every line
    // alike: its hint is logged once per chunk run, not once per line.
    if (lineError.hint !== undefined && !hinted.has(lineError.answerCode)) {
      hinted.add(lineError.answerCode);
      dependencies.logger.warn({ requestId: base.requestId, batchId: batch.id, errorCode: lineError.answerCode, hint: lineError.hint, err: outcome.error }, 'batch line failed');
    }
    return {
      ...base,
      routingRule: planned.routingRule,
      ...routed,
      status: 'failed',
      statusCode: gatewayError.status,
      // The code the line's error body shows: one code per cause in sync, async and batch answers.
      errorCode: gatewayError.answerCode,
      errorMessage: gatewayError.message,
      // The provider answered: the error file shows its answer as OpenAI's does.
      response: outcome.error.status === undefined ? null : gatewayError.toBody(),
      completedAt: new Date(),
      usage: null,
    };
  }
}

/** Failed lines not sampled that one chunk run traces at most. */
const maxFailedLineSpansPerChunk = 20;

/** An error to fail a span with, from a line's code and message. */
function errorOf(failure: { name: string; message: string }): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  return error;
}
