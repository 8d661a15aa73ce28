import type { JobsOptions } from 'bullmq';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { RequestKind } from '../db/schema/requests.ts';
import type { CachePlan } from '../cache/gateway-cache.ts';
import type { OperationPayload } from '../operations/registry.ts';
import { formatOfOperation, type RequestFormat } from '../formats/request-format.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import type { RequestCorrelation } from '../observability/request-correlation.ts';

/** BullMQ queue of one provider instance; every process derives the same name from the config. */
export function providerQueueName(provider: string): string {
  return `chat-${provider}`;
}

/**
 * Everything a worker needs, so a job runs the same whatever config the worker process has loaded.
 * A discriminated union on `operation` (see {@link OperationPayload}): one job shape, one queue per
 * provider and one processor for every operation.
 */
export type RequestJobData = RequestJobFields & OperationPayload;

/** The fields of a job every operation shares. */
export interface RequestJobFields {
  requestId: string;
  kind: RequestKind;
  projectId: string;
  apiKeyId: string;
  /** The model name the client sent. */
  model: string;
  /** The client API the request came in through; absent (a job queued by an older build): see {@link formatOfJob}. */
  format?: RequestFormat;
  /** What translating the request from its client format could not carry: recorded before the provider's own warnings. */
  conversionWarnings?: string[];
  /** The model's routing rule that chose `routes` (`default`: its own routes). */
  routingRule?: string;
  /** The planned attempt order (see `planRoutes`); the job runs one of them. */
  routes: ResolvedRoute[];
  /** The route this job calls; a fallback hop is a new job on the next route's queue with this + 1. */
  routeIndex: number;
  /** Redis channel the waiting API process listens on; null when nobody waits (async work). */
  replyTo: string | null;
  /** Epoch ms the API accepted the request. */
  acceptedAt: number;
  /** Async jobs: where `job.completed` / `job.failed` go (null: the project's default, if any). */
  webhookUrl?: string | null;
  /** Epoch ms past which no call, retry or hop starts (sync: accepted + `server.requestTimeoutMs`). */
  deadline?: number;
  /** Epoch ms the first call of the request began (kept across hops). */
  startedAt?: number;
  /** Every attempt so far — earlier routes, earlier tries of this one: the fallback trail. */
  routeAttempts?: RouteAttempt[];
  /** The response cache's plan (key, lookup, TTL); absent when the cache has no part in the request. */
  cache?: CachePlan;
  /** Set when the API already looked the answer up (a sync miss): the worker only stores. */
  cacheStatus?: 'miss' | 'bypass';
  /** The caller's `x-request-id` and `traceparent`: the worker's log lines, the record and the provider call carry them. */
  correlation?: RequestCorrelation;
  /**
   * With tracing on: the W3C `traceparent` of the span that queued this job (the API's enqueue, or the
   * previous hop's), whose child the job's span is. Its trace id is the one the worker's log lines carry.
   */
  trace?: string;
  /**
   * Queued again after Redis lost the original (which may still be running somewhere): the worker
   * looks for a completed record before calling, as for a retry.
   */
  restored?: boolean;
}

/** The job's client format: a job without one, queued by an older build, came through its operation's OpenAI API. */
export function formatOfJob(data: Pick<RequestJobData, 'format' | 'operation'>): RequestFormat {
  return data.format ?? formatOfOperation(data.operation);
}

/** Small on purpose: the result lives in Postgres and travels back over the reply channel. */
export interface RequestJobResult {
  /** `fallback`: this route failed and the request went on to the next route's queue. */
  status: 'completed' | 'failed' | 'fallback';
}

/** The BullMQ job id of a request on one of its routes: the request id, then `<id>.r1`, `<id>.r2` … */
export function hopJobId(requestId: string, routeIndex: number): string {
  return routeIndex === 0 ? requestId : `${requestId}.r${routeIndex}`;
}

export function requestJobOptions(options: { requestId: string; maxAttempts: number; retryBaseDelayMs: number; routeIndex?: number }): JobsOptions {
  return {
    jobId: hopJobId(options.requestId, options.routeIndex ?? 0),
    attempts: options.maxAttempts,
    backoff: { type: 'provider', delay: options.retryBaseDelayMs },
    // The record is in Postgres; Redis keeps no finished sync job for long.
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };
}

/** The options of a job on its route's provider: that provider's attempts and backoff, the hop's id. */
export function requestJobOptionsFor(data: Pick<RequestJobData, 'requestId' | 'routes' | 'routeIndex'>, config: GatewayConfig): JobsOptions {
  const route = data.routes[data.routeIndex];
  const provider = route && Object.hasOwn(config.providers, route.provider) ? config.providers[route.provider] : undefined;
  return requestJobOptions({
    requestId: data.requestId,
    maxAttempts: provider?.maxAttempts ?? 1,
    retryBaseDelayMs: provider?.retryBaseDelayMs ?? 500,
    routeIndex: data.routeIndex,
  });
}
