import type { GatewayConfig } from '../config/gateway-config.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BoundRequest, OperationName, ProviderResult } from '../operations/registry.ts';
import type { HeaderValues } from '../routing/routing-controls.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import { responseCacheKey } from './cache-key.ts';
import { resolveCachePolicy } from './cache-policy.ts';
import type { CachedAnswer, ResponseCache } from './response-cache.ts';

/**
 * A request's cache plan, decided where it is accepted and carried with its job: its key, whether
 * to look it up, and how long to keep its answer. Small and plain, so it travels in BullMQ job data.
 */
export interface CachePlan {
  key: string;
  lookup: boolean;
  /** Store the answer for this long; absent: never stored. */
  storeTtlSeconds?: number;
}

/** The response cache as the gateway uses it, for every operation: plans from config and headers, lookups, stores. */
export class GatewayCache {
  constructor(
    private readonly config: GatewayConfig,
    private readonly store: ResponseCache,
  ) {}

  /**
   * Undefined when the cache has no part in the request (disabled, or bypassed by the client);
   * throws a 400 GatewayError for a cache header it cannot read.
   */
  plan(input: {
    projectId: string;
    operation: OperationName;
    request: { model: string };
    routes: readonly ResolvedRoute[];
    skipped?: ReadonlyArray<{ provider: string; model: string }>;
    headers?: HeaderValues;
  }): CachePlan | undefined {
    const policy = resolveCachePolicy({ config: this.config, model: input.request.model, headers: input.headers ?? {} });
    if (!policy.ok) throw new GatewayError({ code: 'invalid_request_body', message: policy.message, param: policy.param });
    const { lookup, storeTtlSeconds } = policy.policy;
    if (!lookup && storeTtlSeconds === undefined) return undefined;
    // Skipped routes (open breakers) are candidates too: a breaker's state must not change the key.
    const routes = [...input.routes, ...(input.skipped ?? []).map((attempt) => ({ provider: attempt.provider, upstreamModel: attempt.model }))];
    const key = responseCacheKey({ projectId: input.projectId, operation: input.operation, request: input.request, routes });
    return storeTtlSeconds === undefined ? { key, lookup } : { key, lookup, storeTtlSeconds };
  }

  lookup(plan: CachePlan | undefined): Promise<CachedAnswer | undefined> {
    return plan?.lookup ? this.store.get(plan.key) : Promise.resolve(undefined);
  }

  /** Keeps a successful, complete answer when the plan says so; never throws. */
  async remember(plan: CachePlan | undefined, result: ProviderResult, served: { provider: string; upstreamModel: string; cost: string }, request: Pick<BoundRequest, 'isCacheable'>): Promise<void> {
    if (plan?.storeTtlSeconds === undefined || !request.isCacheable(result.response)) return;
    await this.store.set(plan.key, { response: result.response, usage: result.usage, ...served }, plan.storeTtlSeconds);
  }
}

/** The requests-table word for a request's cache part. */
export function cacheStatusOf(plan: CachePlan | undefined, hit: boolean): 'hit' | 'miss' | 'bypass' {
  if (hit) return 'hit';
  return plan?.lookup ? 'miss' : 'bypass';
}

/**
 * What every record of a cache hit says, whoever answers it (the API, a worker, a batch line): served
 * by the route that first answered, no provider call, nothing billed, the original cost saved.
 */
export function cacheHitFields(answer: CachedAnswer, now = new Date()) {
  return {
    provider: answer.provider,
    upstreamModel: answer.upstreamModel,
    attempts: 0,
    status: 'completed' as const,
    statusCode: 200,
    startedAt: now,
    completedAt: now,
    usage: cacheHitUsage(answer),
    cacheStatus: 'hit' as const,
  };
}

/** A hit's usage row: the original tokens, nothing billed, the original cost saved. */
function cacheHitUsage(answer: CachedAnswer): CachedAnswer['usage'] & { cost: string; costSaved: string } {
  return { ...answer.usage, cost: '0', costSaved: answer.cost };
}
