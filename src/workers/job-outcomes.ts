import { cacheHitFields, cacheStatusOf } from '../cache/gateway-cache.ts';
import type { CachedAnswer } from '../cache/response-cache.ts';
import { bindRequest, operationNameOf } from '../operations/registry.ts';
import { formatOfJob, type RequestJobData } from '../queues/request-job.ts';
import type { RequestOutcome } from '../records/result-store.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import { countCalls, type RouteAttempt } from '../routing/route-attempts.ts';

/** The fields every outcome of a request job shares: who asked what, the route, the trail and the times. */
export function jobOutcomeBase(data: RequestJobData, route: ResolvedRoute, attempts: RouteAttempt[], startedAt: number) {
  return {
    requestId: data.requestId,
    kind: data.kind,
    projectId: data.projectId,
    apiKeyId: data.apiKeyId,
    model: data.model,
    provider: route.provider,
    upstreamModel: route.upstreamModel,
    attempts: countCalls(attempts),
    acceptedAt: new Date(data.acceptedAt),
    startedAt: new Date(startedAt),
    completedAt: new Date(),
    providerLatencyMs: attempts[attempts.length - 1]?.latencyMs,
    routeAttempts: attempts,
    cacheStatus: data.cacheStatus ?? cacheStatusOf(data.cache, false),
    operation: operationNameOf(data),
    format: formatOfJob(data),
    routingRule: data.routingRule,
    // A failure keeps what the format's translation dropped; a success adds the provider's own after it.
    warnings: data.conversionWarnings,
    streamed: bindRequest(data).streams(),
    correlation: data.correlation,
    trace: data.trace,
  } satisfies Partial<RequestOutcome>;
}

/** An async job answered from the cache: nothing billed, the saving noted. */
export function cacheHitOutcome(data: RequestJobData, answer: CachedAnswer): RequestOutcome {
  return {
    requestId: data.requestId,
    kind: data.kind,
    operation: operationNameOf(data),
    format: formatOfJob(data),
    routingRule: data.routingRule,
    projectId: data.projectId,
    apiKeyId: data.apiKeyId,
    model: data.model,
    ...cacheHitFields(answer),
    warnings: data.conversionWarnings,
    response: answer.response,
    acceptedAt: new Date(data.acceptedAt),
    correlation: data.correlation,
    trace: data.trace,
  };
}
