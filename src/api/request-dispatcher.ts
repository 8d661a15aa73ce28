import type { Queue } from 'bullmq';
import { QueueRegistry } from '../queues/queue-registry.ts';
import type { CachePlan } from '../cache/gateway-cache.ts';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { Principal } from '../auth/api-key-store.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { OperationPayload, OperationResponse } from '../operations/registry.ts';
import { resolveRoutes, type ResolvedRoute } from '../routing/resolve-route.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import type { RequestCorrelation } from '../observability/request-correlation.ts';
import { noTraceSpan, type TraceSpan } from '../observability/tracing.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import { readRoutingControls, type HeaderValues } from '../routing/routing-controls.ts';
import { requestJobOptionsFor, hopJobId, providerQueueName, type RequestJobData, type RequestJobResult } from '../queues/request-job.ts';
import { type ReplyListener } from '../queues/reply-channel.ts';
import { ReplyTimeoutError } from '../errors/reply-timeout-error.ts';
import type { RoutingSignalsReader } from '../routing/routing-signals.ts';
import { planRequestRoutes, type RoutedRequest } from './plan-request-routes.ts';
import { withinTime } from '../durability/time-limit.ts';
import type { PostgresHealth } from '../durability/postgres-health.ts';
import { StreamReception } from './stream-reception.ts';
import { streamCancelChannel } from '../queues/stream-messages.ts';
import { RoutedGatewayError } from './routed-gateway-error.ts';
import { syncTimings, type ServerTimings } from './server-timings.ts';

/** A planned request of any operation (chat, embeddings …), ready to queue. */
export type SyncDispatchInput = DispatchFields & OperationPayload;

interface DispatchFields {
  requestId: string;
  principal: Principal;
  /** The client API the request came in through. */
  format: RequestFormat;
  /** What translating it from that format could not carry (recorded with the outcome). */
  conversionWarnings?: readonly string[] | undefined;
  routes: ResolvedRoute[];
  /** Routes the planner passed over (open breakers): the start of the trail. */
  trail?: RouteAttempt[];
  /** The model's routing rule that chose `routes`. */
  routingRule?: string | undefined;
  cache?: CachePlan | undefined;
  cacheStatus?: 'miss' | 'bypass';
  /** The caller's correlation headers, carried to the worker. */
  correlation?: RequestCorrelation | undefined;
  /** The request's span: the job's enqueue is its child, and the job carries that context to the worker. */
  trace?: TraceSpan | undefined;
}

/**
 * The API side of a call: plan its routes, enqueue the job on its first route's provider queue, then
 * (sync) wait for the worker's reply — from whichever route served it. Queue objects are cached per
 * provider; they share one Redis connection.
 */
export class RequestDispatcher {
  private readonly queues: QueueRegistry;
  private readonly candidateRoutes = new Map<string, ResolvedRoute[]>();
  /**
   * Sync and streamed calls of this process waiting for their jobs: their job data stays here (a sync
   * call has no record in Postgres until it settles), so a job Redis lost can be queued again.
   */
  private readonly waiting = new Map<string, { data: RequestJobData; restorable: () => boolean }>();

  constructor(
    private readonly options: {
      config: GatewayConfig;
      redis: RedisClient;
      prefix: string;
      replies: ReplyListener;
      requestTimeoutMs: number;
      logger: Logger;
      /** Breaker states and latencies for planning; without them every route counts as closed and unmeasured. */
      signals?: RoutingSignalsReader;
      /** The weighted draws. @defaultValue Math.random */
      random?: () => number;
      /** While Postgres is away, sync calls are refused (their outcome could not be recorded). */
      postgres?: Pick<PostgresHealth, 'assertUp'>;
    },
  ) {
    this.queues = new QueueRegistry({ redis: options.redis, prefix: options.prefix, logger: options.logger });
    // Opened now, while Redis answers: BullMQ opens a queue by waiting for its connection to be ready,
    // which would hold a request for as long as Redis is away instead of failing it.
    for (const provider of Object.keys(options.config.providers)) this.queue(provider);
  }

  /**
   * The routes that could serve the request (its pin applied, breakers and capabilities not looked
   * at) and the request as providers see it: enough for its cache key, without planning. Undefined
   * when the request cannot be routed (`plan` then answers why). Memoised per configured model.
   */
  cacheCandidates<Request extends { model: string; [field: string]: unknown }>(input: { request: Request; headers: HeaderValues }): { request: Request; routes: ResolvedRoute[] } | undefined {
    const controls = readRoutingControls({ headers: input.headers, request: input.request });
    if (!controls.ok) return undefined;
    const model = controls.request.model;
    let routes = this.candidateRoutes.get(model);
    if (!routes) {
      routes = resolveRoutes({ model, config: this.options.config }) ?? [];
      // Configured names only: `provider/<anything>` names are unbounded.
      if (Object.hasOwn(this.options.config.models, model)) this.candidateRoutes.set(model, routes);
    }
    const pinned = controls.pin === undefined ? routes : routes.filter((route) => route.provider === controls.pin);
    return pinned.length === 0 ? undefined : { request: controls.request, routes: pinned };
  }

  /**
   * The request's attempt order, from its model, strategy, breakers and routing headers; throws the
   * GatewayError to answer when nothing can serve it (unknown model, pin, capabilities, open breakers).
   */
  plan<Payload extends OperationPayload>(input: { payload: Payload; headers: HeaderValues }): Promise<RoutedRequest<Payload>> {
    return planRequestRoutes({
      config: this.options.config,
      payload: input.payload,
      headers: input.headers,
      signals: this.options.signals ?? {},
      random: this.options.random ?? Math.random,
    });
  }

  async dispatchSync(input: SyncDispatchInput): Promise<{ response: OperationResponse; cost: string | undefined; trail: RouteAttempt[]; timings: ServerTimings }> {
    const { requestTimeoutMs } = this.options;
    await this.options.postgres?.assertUp();
    const data = this.syncJobData(input);
    const reply = this.options.replies.expect(input.requestId, requestTimeoutMs);
    this.waiting.set(input.requestId, { data, restorable: () => true });
    const enqueuedFrom = performance.now();
    let enqueuedAt: number;
    try {
      await this.enqueue(data, input.trace);
      enqueuedAt = performance.now();
    } catch (error) {
      this.options.replies.cancel(input.requestId);
      this.waiting.delete(input.requestId);
      throw error;
    }

    try {
      const answer = await reply;
      if (answer.ok)
        return { response: answer.response, cost: answer.cost, trail: answer.trail ?? [], timings: syncTimings(enqueuedAt - enqueuedFrom, performance.now() - enqueuedAt, answer.timings) };
      throw new RoutedGatewayError(answer.error, answer.trail);
    } catch (error) {
      if (!(error instanceof ReplyTimeoutError)) throw error;
      // Not started yet (on any route): take it off its queue so no one pays for an answer nobody reads.
      const removed = await this.removeQueued(data);
      throw this.timeoutError(removed);
    } finally {
      this.waiting.delete(input.requestId);
    }
  }

  /**
   * After Redis lost data: queues again the job of every call still waiting here (streams only until
   * their first message), under the same id and marked `restored`, so a worker that finds the request
   * already recorded answers from the record instead of calling again. Returns how many it queued.
   */
  async restoreWaiting(): Promise<number> {
    let restored = 0;
    for (const { data, restorable } of [...this.waiting.values()]) {
      if (!restorable()) continue;
      try {
        await this.enqueue({ ...data, restored: true });
        restored += 1;
      } catch (error) {
        this.options.logger.warn({ err: error, requestId: data.requestId }, 'cannot queue a waiting call again; it will time out');
      }
    }
    if (restored > 0) this.options.logger.warn({ restored }, 'queued waiting calls again after Redis lost data');
    return restored;
  }

  /**
   * A `stream: true` call: queued like a sync one; its worker publishes chunks as they come. The
   * caller reads them from the returned reception and calls `abandon` when its client goes away or
   * nothing arrives in time (the job is taken off its queue, or its running call cancelled).
   */
  async dispatchStream(input: SyncDispatchInput): Promise<{ reception: StreamReception; abandon: () => Promise<boolean> }> {
    await this.options.postgres?.assertUp();
    const data = this.syncJobData(input);
    const reception = new StreamReception(this.options.replies, input.requestId, () => this.waiting.delete(input.requestId));
    // A stream that has not started can be queued again; once chunks flowed, a re-run would repeat them.
    this.waiting.set(input.requestId, { data, restorable: () => !reception.heardFrom });
    try {
      await this.enqueue(data, input.trace);
    } catch (error) {
      reception.close();
      throw error;
    }
    const abandon = async (): Promise<boolean> => {
      reception.close();
      const [removed] = await Promise.all([this.removeQueued(data), this.options.redis.publish(streamCancelChannel(this.options.prefix), input.requestId).catch(() => 0)]);
      return removed;
    };
    return { reception, abandon };
  }

  /**
   * The drain deadline: every call still waiting here whose job has not started streaming is taken off
   * its queue (where it went back when the workers handed it back) and answered 503, so the client
   * retries elsewhere instead of hearing nothing. Returns how many it answered.
   */
  async giveUpWaiting(): Promise<number> {
    const given = [...this.waiting.values()].filter((entry) => entry.restorable());
    const error = new GatewayError({ code: 'service_unavailable', message: 'The gateway is shutting down and could not finish this request in time; retry it.' });
    await Promise.all(
      given.map(async ({ data }) => {
        await withinTime(this.removeQueued(data), 2000, 'taking the job off its queue').catch(() => false);
        this.options.replies.answer({ requestId: data.requestId, ok: false, error: error.toPayload() });
      }),
    );
    if (given.length > 0) this.options.logger.warn({ calls: given.length }, 'drain deadline: answered waiting calls with 503');
    return given.length;
  }

  timeoutError(removedFromQueue: boolean): GatewayError {
    const { requestTimeoutMs } = this.options;
    return new GatewayError({
      code: 'request_timeout',
      message: `the request did not complete within ${requestTimeoutMs} ms${removedFromQueue ? ' (it was still queued and has been cancelled)' : ''}`,
    });
  }

  private syncJobData(input: SyncDispatchInput): RequestJobData {
    const acceptedAt = Date.now();
    return {
      ...jobDataBase(input),
      kind: 'sync',
      replyTo: this.options.replies.channel,
      acceptedAt,
      // Retries and fallback hops fit inside the time the caller waits.
      deadline: acceptedAt + this.options.requestTimeoutMs,
      ...(input.cacheStatus ? { cacheStatus: input.cacheStatus } : {}),
    };
  }

  /**
   * Async work: queued and answered later (poll or webhook). Throws `service_unavailable` when the
   * queue cannot take it; the caller then marks the recorded job failed. No deadline: its retries and
   * fallback hops take the time they need.
   */
  async dispatchAsync(input: Omit<DispatchFields, 'cacheStatus'> & OperationPayload & { webhookUrl: string | null; acceptedAt: number }): Promise<void> {
    await this.enqueue(
      {
        ...jobDataBase(input),
        kind: 'async',
        replyTo: null,
        acceptedAt: input.acceptedAt,
        webhookUrl: input.webhookUrl,
      },
      input.trace,
    );
  }

  async close(): Promise<void> {
    await this.queues.close();
  }

  /**
   * Adds the job, in a span that is a child of `parent` (the request's), and whose context the job
   * carries in `data.trace`: set on the data itself, so a job queued again after a Redis loss (from
   * `waiting`, without a parent) keeps the first context.
   */
  private async enqueue(data: RequestJobData, parent: TraceSpan = noTraceSpan): Promise<void> {
    const route = data.routes[data.routeIndex];
    if (!route) throw new GatewayError({ code: 'model_not_found', message: `model ${data.model} has no route`, param: 'model' });
    const queueName = providerQueueName(route.provider);
    const span = parent.startEnqueue({ queue: queueName, jobId: hopJobId(data.requestId, data.routeIndex) });
    if (span.traceparent !== undefined) data.trace = span.traceparent;
    try {
      // Fails fast when Redis is away (the connection's maxRetriesPerRequest): its queue was opened at start.
      await this.queue(route.provider).add('chat', data, requestJobOptionsFor(data, this.options.config));
      span.end();
    } catch (error) {
      span.end({ error });
      this.options.logger.error({ err: error, requestId: data.requestId }, 'enqueue failed');
      throw new GatewayError({ code: 'service_unavailable', message: 'The job queue (Redis) is unavailable; nothing was queued. Retry shortly.' });
    }
  }

  /** Removes the request's job from whichever route's queue holds it, if it has not started. */
  private async removeQueued(data: RequestJobData): Promise<boolean> {
    const removals = data.routes.map((route, index) =>
      this.queue(route.provider)
        .remove(hopJobId(data.requestId, index))
        .catch(() => 0),
    );
    return (await Promise.all(removals)).some((removed) => removed === 1);
  }

  private queue(provider: string): Queue<RequestJobData, RequestJobResult> {
    return this.queues.get<RequestJobData>(providerQueueName(provider)) as Queue<RequestJobData, RequestJobResult>;
  }
}

/** The job fields sync and async work share: who, what and in which format, the plan, the trail so far, the cache plan. */
function jobDataBase(input: Pick<DispatchFields, 'requestId' | 'principal' | 'format' | 'conversionWarnings' | 'routes' | 'trail' | 'routingRule' | 'cache' | 'correlation'> & OperationPayload) {
  return {
    ...operationPayloadOf(input),
    requestId: input.requestId,
    projectId: input.principal.projectId,
    apiKeyId: input.principal.apiKeyId,
    model: input.request.model,
    format: input.format,
    ...(input.conversionWarnings && input.conversionWarnings.length > 0 ? { conversionWarnings: [...input.conversionWarnings] } : {}),
    routes: input.routes,
    ...(input.routingRule === undefined ? {} : { routingRule: input.routingRule }),
    routeIndex: 0,
    ...(input.trail && input.trail.length > 0 ? { routeAttempts: input.trail } : {}),
    ...(input.cache ? { cache: input.cache } : {}),
    ...(input.correlation && Object.keys(input.correlation).length > 0 ? { correlation: input.correlation } : {}),
  };
}

/** Just the operation and its request, narrowed together (what the job's union needs). */
function operationPayloadOf(input: OperationPayload): OperationPayload {
  return input.operation === 'embeddings' ? { operation: 'embeddings', request: input.request } : { operation: 'chat', request: input.request };
}
