import type { FastifyReply, FastifyRequest } from 'fastify';
import { cacheHitFields, type GatewayCache } from '../cache/gateway-cache.ts';
import type { CachedAnswer } from '../cache/response-cache.ts';
import type { TenantAdmission, TenantLease } from '../limits/tenant/tenant-admission.ts';
import type { Logger } from '../logging/logger.ts';
import { bindRequest, type OperationName, type OperationPayload, type OperationResponse } from '../operations/registry.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import type { ResultStore } from '../records/result-store.ts';
import { deprecationHeaders, routeTrailHeaders, servingAttempt } from '../routing/route-attempts.ts';
import { routingRuleHeader } from '../routing/routing-rules.ts';
import { type RequestDispatcher, type SyncDispatchInput } from './request-dispatcher.ts';
import { RoutedGatewayError } from './routed-gateway-error.ts';

/** What a sync request came to: an answer from the cache, or from its provider (with its cost). */
export type SyncOutcome =
  | { source: 'cache'; answer: CachedAnswer }
  | { source: 'provider'; response: OperationResponse; /** USD, exact decimal; absent when answered from the record. */ cost: string | undefined }
  | { source: 'stream' };

/** Hands a planned, admitted stream to the route's own writer (only chat streams). */
export type StreamHandler = (dispatch: SyncDispatchInput, lease: TenantLease, cacheHeaders: Record<string, string>) => Promise<void>;

/**
 * The steps every sync request takes, whatever its operation, so route handlers only parse and write:
 * the cache first (a hit needs no plan, no queue, no worker; it is admitted for rates, recorded, and
 * costs nothing), then the plan (refusals before the queue), tenant admission, the job and the wait.
 * Sets the `x-gateway-cache`, `x-gateway-cost` and route trail headers.
 */
export class SyncRequests {
  constructor(
    private readonly dependencies: {
      dispatcher: RequestDispatcher;
      cache: GatewayCache;
      tenantLimits: TenantAdmission;
      hitRecorder: Pick<ResultStore, 'record'>;
      logger: Logger;
    },
  ) {}

  async run(input: {
    request: FastifyRequest;
    reply: FastifyReply;
    payload: OperationPayload;
    /** The client API the request came in through. */
    format: RequestFormat;
    /** What translating it from that format could not carry: recorded with its outcome. */
    conversionWarnings?: readonly string[] | undefined;
    stream?: StreamHandler | undefined;
  }): Promise<SyncOutcome> {
    const { dispatcher, cache, tenantLimits } = this.dependencies;
    const { request, reply, payload, format, conversionWarnings } = input;
    const { principal } = request;
    const bound = bindRequest(payload);
    const streamed = input.stream !== undefined;

    const candidates = dispatcher.cacheCandidates({ request: payload.request, headers: request.headers });
    const cachePlan = candidates && cache.plan({ projectId: principal.projectId, operation: bound.operation, request: candidates.request, routes: candidates.routes, headers: request.headers });
    const hit = await cache.lookup(cachePlan);
    if (hit) {
      request.recorded = true;
      // Rate limits still count a hit (it is a request); it costs nothing, so no budget is at stake.
      const lease = await tenantLimits.admit({ principal, requestId: request.id, estimatedTokens: () => bound.estimateInputTokens(), kind: 'sync' });
      await lease.release();
      this.recordHit(request, { operation: bound.operation, format, conversionWarnings, model: bound.model }, hit, streamed);
      reply.header('x-gateway-cache', 'HIT');
      reply.header('x-gateway-cost', '0');
      return { source: 'cache', answer: hit };
    }

    // Unknown model, a pin no route has, capabilities, open breakers: refused here, before the queue.
    const routed = await dispatcher.plan({ payload, headers: request.headers });
    const lease = await tenantLimits.admit({ principal, requestId: request.id, estimatedTokens: () => bound.estimateInputTokens(routed.routes[0]?.upstreamModel), kind: 'sync' });
    // From here the request is queued: its outcome is recorded (and logged) when it settles.
    request.recorded = true;
    const cacheStatus = cachePlan?.lookup ? 'miss' : 'bypass';
    // A stream's headers go before its first byte: the deprecation is the first route's.
    const cacheHeaders = {
      'x-gateway-cache': cacheStatus === 'miss' ? 'MISS' : 'BYPASS',
      [routingRuleHeader]: routed.routingRule,
      ...(input.stream ? deprecationHeaders(routed.routes[0]) : {}),
    };
    // The lookup is done: the worker only stores the answer.
    const dispatch: SyncDispatchInput = {
      requestId: request.id,
      principal,
      format,
      conversionWarnings,
      ...routed,
      cache: cachePlan && { ...cachePlan, lookup: false },
      cacheStatus,
      correlation: request.correlation,
      trace: request.trace,
    };
    if (input.stream) {
      await lease.run(() => input.stream!(dispatch, lease, cacheHeaders));
      return { source: 'stream' };
    }
    reply.headers(cacheHeaders);
    const { response, cost, trail, timings } = await lease
      .run(() => dispatcher.dispatchSync(dispatch))
      .catch((error: unknown) => {
        if (error instanceof RoutedGatewayError) reply.headers(routeTrailHeaders(error.trail));
        throw error;
      });
    reply.headers(routeTrailHeaders(trail));
    const served = servingAttempt(trail);
    reply.headers(deprecationHeaders(routed.routes.find((route) => route.provider === served?.provider && route.upstreamModel === served.model)));
    request.serverTimings = timings;
    // Exact decimal in the header; the body's `usage.cost` (an extension field) is the route's to add.
    if (cost !== undefined) reply.header('x-gateway-cost', cost);
    return { source: 'provider', response, cost };
  }

  /** A hit's record: nothing billed, the saving noted; no copy of the body (a sync answer is never read back). */
  private recordHit(
    request: FastifyRequest,
    asked: { operation: OperationName; format: RequestFormat; conversionWarnings: readonly string[] | undefined; model: string },
    hit: CachedAnswer,
    streamed: boolean,
  ): void {
    const now = new Date();
    const { principal } = request;
    const recorded = this.dependencies.hitRecorder.record({
      requestId: request.id,
      kind: 'sync',
      operation: asked.operation,
      format: asked.format,
      projectId: principal.projectId,
      apiKeyId: principal.apiKeyId,
      model: asked.model,
      ...cacheHitFields(hit, now),
      warnings: asked.conversionWarnings && [...asked.conversionWarnings],
      acceptedAt: now,
      streamed,
      correlation: request.correlation,
    });
    recorded.catch((error: unknown) => this.dependencies.logger.error({ err: error, requestId: request.id }, 'cannot record a cache hit'));
  }
}
