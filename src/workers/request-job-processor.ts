import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { Logger } from '../logging/logger.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import { bindRequest } from '../operations/registry.ts';
import type { ProviderError } from '../errors/provider-error.ts';
import type { LimitProvider } from '../limits/provider/provider-limits.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { billedCost, knownCost } from '../operations/cost.ts';
import { warnAboutServingRoute } from '../operations/route-warnings.ts';
import { decideAfterFailure, defaultRetryPolicy, type FailoverReason, type RetryPolicy } from '../routing/failover-decision.ts';
import { routeKey, type ResolvedRoute } from '../routing/resolve-route.ts';
import { completedAttempt, skippedAttempt, type RouteAttempt, type SkipReason } from '../routing/route-attempts.ts';
import { chainFailureError, routeSkipError, routeSkipOf } from '../execution/route-skip.ts';
import { callRoute, type RouteSignals } from '../execution/call-route.ts';
import { HandBackError } from '../errors/hand-back-error.ts';
import { backoffBaseDelay } from './provider-backoff.ts';
import { hopJobId, providerQueueName, type RequestJobData, type RequestJobResult } from '../queues/request-job.ts';
import { RetryDelayError } from '../errors/retry-delay-error.ts';
import { providerErrorToGatewayError } from '../execution/provider-error-mapping.ts';
import { publishReply, type ChatReply } from '../queues/reply-channel.ts';
import { StreamRun, type ActiveStreams } from './stream-run.ts';
import type { GatewayCache } from '../cache/gateway-cache.ts';
import type { CachedAnswer } from '../cache/response-cache.ts';
import type { RequestOutcome, ResultStore } from '../records/result-store.ts';
import { cacheHitOutcome, jobOutcomeBase } from './job-outcomes.ts';
import { correlationLogFields } from '../observability/request-correlation.ts';
import { inJobSpan, noTraceSpan, noTracing, type TraceSpan, type Tracing } from '../observability/tracing.ts';

export interface RequestJobProcessorDependencies extends RouteSignals {
  providers: ReadonlyMap<string, ProviderClient>;
  resultStore: ResultStore;
  /** A plain (non-blocking, non-subscriber) connection for publishing replies. */
  publisher: RedisClient;
  logger: Logger;
  /** Caps in-flight calls per provider across every queue of this process. */
  limitProvider: LimitProvider;
  /** Async jobs: show `in_progress` while running, and send the webhook once recorded. */
  lifecycle?: RequestJobLifecycle;
  /** The response cache: async jobs look their answer up here; every success is offered to it. */
  cache?: GatewayCache;
  /** Streamed calls running here, for cancels from the API; without it `stream: true` calls are answered whole. */
  activeStreams?: ActiveStreams;
  /** Queues the request on its next route's provider queue (a fallback hop). Without it, a route's failure is final. */
  enqueueHop?: (data: RequestJobData) => Promise<void>;
  /** @defaultValue {@link defaultRetryPolicy} */
  retryPolicy?: RetryPolicy;
  /** The jitter source. @defaultValue Math.random */
  random?: () => number;
  /**
   * How long a call waits for a slot under its provider's limits before the request moves on to its
   * next route; the last route waits as long as the limiter allows. @defaultValue no bound
   */
  maxSlotWaitMs?: number;
  /**
   * Fires when the process drains past its deadline: a call not finished is abandoned and the job
   * handed back to its queue (`HandBackError`), unrecorded. Streams already under way finish.
   */
  handBack?: AbortSignal;
  /** A span per job run, with its provider call, record, reply and hop as children. @defaultValue no tracing */
  tracing?: Tracing;
}

export interface RequestJobLifecycle {
  /** Before anything runs; false: the request is not (or no longer) to be run, and the job ends quietly. */
  onStart(data: RequestJobData): Promise<boolean>;
  onSettled(data: RequestJobData, outcome: RequestOutcome): Promise<void>;
}

type RequestJob = Job<RequestJobData, RequestJobResult>;

/**
 * Calls the provider of the job's route, records the outcome and usage in Postgres (exactly once per
 * request id), then answers the waiting caller. After a failed call `decideAfterFailure` chooses:
 * retry (rethrown for BullMQ, after Retry-After or a jittered backoff), fall back (the same request
 * as a new job on the next route's queue, carrying the trail), or fail (recorded and answered with
 * every attempt listed). Only the final outcome is recorded, and only a success is billed.
 */
export function createRequestJobProcessor(dependencies: RequestJobProcessorDependencies) {
  const { providers, resultStore, publisher } = dependencies;
  const retryPolicy = dependencies.retryPolicy ?? defaultRetryPolicy;
  const random = dependencies.random ?? Math.random;
  const tracing = dependencies.tracing ?? noTracing;
  /** Each running job's span, for the steps that record, reply and hop. */
  const jobSpans = new WeakMap<RequestJob, TraceSpan>();
  const spanOf = (job: RequestJob) => jobSpans.get(job) ?? noTraceSpan;

  /** A run of the job inside its span, ended with how the run ended (`retry`: thrown for BullMQ to run it again). */
  return async function processRequestJob(job: RequestJob): Promise<RequestJobResult> {
    if (!tracing.enabled) return runJob(job);
    const { data } = job;
    const start = () => ({
      queue: job.queueName,
      jobId: job.id ?? '',
      traceparent: data.trace,
      attempt: job.attemptsMade + 1,
      attributes: { 'gateway.request_id': data.requestId, 'gateway.model': data.model, 'gateway.route.index': data.routeIndex, 'gateway.provider': data.routes[data.routeIndex]?.provider },
    });
    return inJobSpan(
      tracing,
      start,
      (span) => {
        jobSpans.set(job, span);
        return runJob(job);
      },
      {
        outcome: (result) => ({ 'gateway.outcome': result.status }),
        failure: (error) => ({ 'gateway.outcome': error instanceof RetryDelayError ? 'retry' : error instanceof HandBackError ? 'handed_back' : 'failed' }),
      },
    );
  };

  async function runJob(job: RequestJob): Promise<RequestJobResult> {
    const takenAt = performance.now();
    const data = job.data;
    const route = data.routes[data.routeIndex];
    if (!route) throw new UnrecoverableError(`job ${job.id} has no route ${data.routeIndex}`);
    const bound = bindRequest(data);
    const logger = jobLogger(job, route);

    // A job seen before (retried, re-delivered after a worker died) or a later hop may find the request
    // already done: answer from the record instead of calling a provider and billing again.
    if (job.attemptsMade > 0 || job.stalledCounter > 0 || data.routeIndex > 0 || data.restored === true) {
      const stored = await resultStore.findCompletedRecord(data.requestId);
      if (stored) {
        logger.info('request already completed; answering from the record');
        await reply(job, { requestId: data.requestId, ok: true, response: stored.response, trail: stored.routeAttempts });
        return { status: 'completed' };
      }
    }

    if (dependencies.lifecycle && !(await dependencies.lifecycle.onStart(data))) {
      logger.info('request is not pending (settled, or never accepted); nothing to run');
      return { status: 'completed' };
    }

    const cached = data.cache?.lookup && dependencies.cache ? await dependencies.cache.lookup(data.cache) : undefined;
    if (cached) return answerFromCache(job, cached);

    const trail = data.routeAttempts ?? [];
    if (data.deadline !== undefined && Date.now() >= data.deadline) {
      const timeout = new GatewayError({ code: 'request_timeout', message: `the request timed out before ${routeKey(route)} could be tried` });
      return fail(job, route, trail, timeout);
    }

    const client = providers.get(route.provider);
    const skip = await routeSkipOf(route, client !== undefined, dependencies.breakers);
    if (!client || skip) {
      const reason = skip ?? 'provider_not_configured';
      logger.warn({ reason }, 'route skipped');
      return fallBackOrFail(job, route, [...trail, skippedAttempt(route, reason)], routeSkipError(route, reason), reason);
    }

    const startedAt = data.startedAt ?? Date.now();
    const canMoveOn = data.routeIndex + 1 < data.routes.length && dependencies.enqueueHop !== undefined;
    const run = streamRunFor(data, route, trail);
    const deadline = run || data.deadline === undefined ? undefined : AbortSignal.timeout(Math.max(1, data.deadline - Date.now()));
    const callStartedAt = performance.now();
    const call = await callRoute({
      client,
      route,
      request: bound,
      requestId: data.requestId,
      traceparent: data.correlation?.traceparent,
      trace: tracing.enabled ? { span: spanOf(job), attempt: job.attemptsMade + 1, hop: data.routeIndex } : undefined,
      limit: dependencies.limitProvider({
        provider: route.provider,
        model: route.upstreamModel,
        estimatedTokens: () => bound.estimateInputTokens(route.upstreamModel),
        trafficClass: 'interactive',
      }),
      signals: dependencies,
      // The caller stops waiting at the deadline: a call running past it would be paid for nobody.
      // (A stream only has to start by then; see StreamRun.)
      signal: run ? run.signal : deadline,
      onChunks: run?.onChunks,
      // A provider paused after a 429, or at its limits, should not hold a request another route can serve.
      maxWaitMs: canMoveOn ? dependencies.maxSlotWaitMs : undefined,
      handBack: run ? undefined : dependencies.handBack,
    });
    const callEndedAt = performance.now();
    run?.close();
    if (!call.ok && !run && dependencies.handBack?.aborted) {
      await call.bookkeeping;
      logger.info('draining: the call was stopped; its job goes back to the queue');
      throw new HandBackError();
    }
    const attempts = [...trail, call.attempt];
    if (run && !call.ok && (run.started || run.cancelReason)) {
      await call.bookkeeping;
      return endBrokenStream(job, route, attempts, run, call.error, startedAt);
    }
    if (!call.ok && call.busy) {
      logger.warn({ waitedMs: dependencies.maxSlotWaitMs }, 'no provider slot in time; moving on');
      return fallBackOrFail(job, route, attempts, new GatewayError({ code: 'provider_rate_limited', message: call.error.message }), 'route_busy');
    }

    if (call.ok) {
      const { result } = call;
      const success: RequestOutcome = {
        ...jobOutcomeBase(job.data, route, attempts, startedAt),
        status: 'completed',
        statusCode: 200,
        response: result.response,
        usage: { ...result.usage, ...billedCost({ usage: result.usage, route }) },
        warnings: [...(data.conversionWarnings ?? []), ...(result.warnings ?? [])],
      };
      if (result.warnings) logger.warn({ warnings: result.warnings }, 'provider could not honour every setting');
      warnAboutServingRoute(dependencies.logger, route, route.unpriced === true);
      await Promise.all([
        recordOrAnswerUnavailable(job, success),
        call.bookkeeping,
        dependencies.cache?.remember(data.cache, result, { provider: route.provider, upstreamModel: route.upstreamModel, cost: success.usage?.cost ?? '0' }, bound),
      ]);
      await dependencies.lifecycle?.onSettled(data, success);
      // A failed publish (Redis blip) is retried by BullMQ; the retry answers from the record.
      if (run) {
        await run.end({ usage: result.usage, cost: knownCost(success.usage) });
      } else if (data.replyTo) {
        const recordedAt = performance.now();
        const timings = {
          worker: recordedAt - takenAt,
          limits: call.limitWaitMs,
          provider: callEndedAt - callStartedAt - call.limitWaitMs,
          record: recordedAt - callEndedAt,
        };
        await reply(job, { requestId: data.requestId, ok: true, response: result.response, cost: knownCost(success.usage), trail: attempts, timings });
      }
      return { status: 'completed' };
    }

    await call.bookkeeping;
    const attempt = job.attemptsMade + 1;
    const decision = decideAfterFailure({
      error: call.error,
      attempt,
      maxAttempts: job.opts.attempts ?? 1,
      hasNextRoute: canMoveOn,
      now: Date.now(),
      deadline: data.deadline,
      baseDelayMs: backoffBaseDelay(job),
      policy: retryPolicy,
      random,
    });
    if (decision.action === 'retry') {
      logger.warn({ err: call.error, attempt, delayMs: decision.delayMs }, 'provider call failed; will retry');
      // The next attempt runs from the job's data: it must know the attempts before it.
      await job.updateData({ ...data, startedAt, routeAttempts: attempts });
      throw new RetryDelayError(call.error.message, decision.delayMs);
    }
    // Stopped at the caller's deadline: the caller was answered `request_timeout`, and so is the record.
    const gatewayError = deadline?.aborted
      ? new GatewayError({ code: 'request_timeout', message: `the request did not complete within ${(data.deadline ?? 0) - data.acceptedAt} ms` })
      : providerErrorToGatewayError(call.error);
    if (decision.action === 'fallback') return fallBackOrFail(job, route, attempts, gatewayError, decision.reason, startedAt);
    logger.warn({ err: call.error, attempt, errorCode: gatewayError.answerCode, hint: gatewayError.hint }, 'provider call failed; giving up');
    return fail(job, route, attempts, gatewayError, startedAt);
  }

  /** Answers the waiting caller (sync and streamed calls; async work has nobody waiting). */
  async function reply(job: RequestJob, message: ChatReply): Promise<void> {
    const channel = job.data.replyTo;
    if (channel) await spanOf(job).step('reply', () => publishReply(publisher, channel, message), { 'messaging.destination.name': channel });
  }

  /** Every line about a job carries the request id (and the caller's correlation) as the API's lines do. */
  function jobLogger(job: RequestJob, route: ResolvedRoute): Logger {
    const data = job.data;
    return dependencies.logger.child({ requestId: data.requestId, ...correlationLogFields(data.correlation, data.trace), jobId: job.id, provider: route.provider, model: data.model });
  }

  /** A streamed sync call runs as a StreamRun (when this process can cancel streams). */
  function streamRunFor(data: RequestJobData, route: ResolvedRoute, trail: RouteAttempt[]): StreamRun | undefined {
    if (!bindRequest(data).streams() || !data.replyTo || !dependencies.activeStreams) return undefined;
    return new StreamRun({
      requestId: data.requestId,
      redis: publisher,
      channel: data.replyTo,
      streams: dependencies.activeStreams,
      trail: [...trail, completedAttempt(route, 0)],
      deadline: data.deadline,
    });
  }

  /**
   * A stream that broke off after its first chunk (no retry, no fallback: the client has part of an
   * answer), or whose client went away. What was sent is recorded and billed once, its usage counted
   * from the text; a client still listening gets an error event.
   */
  async function endBrokenStream(job: RequestJob, route: ResolvedRoute, attempts: RouteAttempt[], run: StreamRun, providerError: ProviderError, startedAt: number): Promise<never> {
    const data = job.data;
    const cancelled = run.cancelReason !== undefined;
    const error = cancelled
      ? new GatewayError({ code: 'client_closed_request', message: 'the client closed the connection before the stream ended' })
      : new GatewayError({ code: 'stream_interrupted', message: `the provider's stream broke off: ${providerError.message}` });
    // Only chat streams: a stream run is never made for another operation.
    const partial =
      run.started && data.operation !== 'embeddings' ? run.partial(data.request, { id: `chatcmpl-${data.requestId}`, model: route.upstreamModel, created: Math.floor(startedAt / 1000) }) : undefined;
    const usage = partial ? { ...partial.usage, ...billedCost({ usage: partial.usage, route }) } : undefined;
    const failure: RequestOutcome = {
      ...jobOutcomeBase(job.data, route, attempts, startedAt),
      status: 'failed',
      statusCode: error.status,
      errorCode: error.answerCode,
      errorMessage: error.message,
      response: partial?.completion,
      usage,
    };
    jobLogger(job, route).warn({ err: providerError, errorCode: error.answerCode, cancelled, reason: run.cancelReason }, 'stream ended early');
    await recordOrAnswerUnavailable(job, failure);
    if (!cancelled && partial) await run.end({ usage: partial.usage, cost: knownCost(usage), error: error.toPayload() }).catch(() => undefined);
    throw new UnrecoverableError(error.message);
  }

  /** An async job whose answer was in the cache: recorded (nothing billed, the saving noted) and settled. */
  async function answerFromCache(job: RequestJob, answer: CachedAnswer): Promise<RequestJobResult> {
    const data = job.data;
    const hit = cacheHitOutcome(data, answer);
    await recordOrAnswerUnavailable(job, hit);
    await dependencies.lifecycle?.onSettled(data, hit);
    await reply(job, { requestId: data.requestId, ok: true, response: answer.response, cost: '0' });
    return { status: 'completed' };
  }

  /** Hands the request to its next route's queue, or fails it when there is none (or no time, or Redis refuses). */
  async function fallBackOrFail(
    job: RequestJob,
    route: ResolvedRoute,
    attempts: RouteAttempt[],
    error: GatewayError,
    reason: FailoverReason | SkipReason,
    startedAt?: number,
  ): Promise<RequestJobResult> {
    const data = job.data;
    const next = data.routes[data.routeIndex + 1];
    const logger = jobLogger(job, route);
    const inTime = data.deadline === undefined || Date.now() < data.deadline;
    if (next && inTime && dependencies.enqueueHop) {
      // The hop's job is a child of this run's span: the trace shows the chain, route after route.
      const send = spanOf(job).startEnqueue({ queue: providerQueueName(next.provider), jobId: hopJobId(data.requestId, data.routeIndex + 1) });
      try {
        await dependencies.enqueueHop({
          ...data,
          routeIndex: data.routeIndex + 1,
          routeAttempts: attempts,
          ...(startedAt === undefined ? {} : { startedAt }),
          ...(send.traceparent ? { trace: send.traceparent } : {}),
        });
        send.end({ attributes: { 'gateway.fallback.reason': reason } });
        logger.info({ reason, next: routeKey(next) }, 'falling back to the next route');
        return { status: 'fallback' };
      } catch (enqueueError) {
        send.end({ error: enqueueError });
        logger.error({ err: enqueueError }, 'cannot queue the next route; failing the request');
      }
    }
    return fail(job, route, attempts, error, startedAt);
  }

  /**
   * The request's final failure: recorded, told to the lifecycle and the caller, and the job ended.
   * A trail over several routes becomes one message listing every attempt, with the last error's code.
   */
  async function fail(job: RequestJob, route: ResolvedRoute, attempts: RouteAttempt[], error: GatewayError, startedAt = Date.now()): Promise<never> {
    const data = job.data;
    const final = chainFailureError(error, { model: data.model, trail: attempts });
    const failure: RequestOutcome = {
      ...jobOutcomeBase(job.data, route, attempts, startedAt),
      status: 'failed',
      statusCode: final.status,
      // The code the caller reads in the answer: one code per cause in the answer, the record and the log.
      errorCode: final.answerCode,
      errorMessage: final.message,
    };
    await recordOrAnswerUnavailable(job, failure);
    await dependencies.lifecycle?.onSettled(data, failure);
    await reply(job, { requestId: data.requestId, ok: false, error: final.toPayload(), trail: attempts });
    throw new UnrecoverableError(final.message);
  }

  /**
   * The record comes before the answer: no caller gets a result that is not billed. Postgres hiccups
   * are retried here (the result is in memory); if it stays down the job fails for BullMQ to retry,
   * and on the last attempt the caller hears 503 instead of waiting for a timeout.
   */
  async function recordOrAnswerUnavailable(job: RequestJob, outcome: RequestOutcome): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await spanOf(job).step('record', () => resultStore.record(outcome), { 'db.system.name': 'postgresql', 'gateway.status': outcome.status });
        return;
      } catch (error) {
        lastError = error;
        await sleep(100 * 4 ** attempt);
      }
    }
    dependencies.logger.error({ err: lastError, requestId: outcome.requestId }, 'cannot record the outcome in Postgres');
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (lastAttempt && job.data.replyTo) {
      const unavailable = new GatewayError({ code: 'service_unavailable', message: 'The result could not be recorded; retry the request.' });
      await publishReply(publisher, job.data.replyTo, { requestId: outcome.requestId, ok: false, error: unavailable.toPayload() }).catch(() => {});
    }
    throw lastError;
  }
}
