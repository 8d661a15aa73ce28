import type { BoundRequest, ChunkSink, ProviderResult } from '../operations/registry.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import { ProviderError } from '../errors/provider-error.ts';
import type { CircuitBreakers } from '../routing/circuit-breaker-types.ts';
import { breakerOutcomeOf } from '../routing/failover-decision.ts';
import type { RedisRouteLatencies } from '../routing/redis-route-latencies.ts';
import { completedAttempt, failedAttempt, skippedAttempt, type RouteAttempt } from '../routing/route-attempts.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import { toProviderError } from './provider-error-mapping.ts';
import type { Limiter } from '../limits/provider/provider-limits.ts';
import type { ProviderCallSpan, TraceSpan } from '../observability/tracing.ts';

export type RouteLatencyRecorder = Pick<RedisRouteLatencies, 'record'>;

/** What routing learns from calls: breaker verdicts and latencies. Either may be absent (tests). */
export interface RouteSignals {
  breakers?: CircuitBreakers | undefined;
  latencies?: RouteLatencyRecorder | undefined;
}

export type RouteCallOutcome = ({ ok: true; result: ProviderResult } | { ok: false; error: ProviderError; /** No slot within `maxWaitMs`: not called. */ busy?: true }) & {
  attempt: RouteAttempt;
  /** The breaker and latency bookkeeping, under way; never rejects. Await it beside the record. */
  bookkeeping: Promise<void>;
  /** ms spent waiting for the route's limits before the call (all of it when never called). */
  limitWaitMs: number;
};

/**
 * One provider call on one route, inside the route's limiter, as a trail entry. Only a call that
 * reached the provider is counted by its breakers (a limiter's wait timeout says nothing about the
 * provider), and its latency is the call's own, without the time spent waiting for a slot.
 */
export async function callRoute(options: {
  client: ProviderClient;
  route: ResolvedRoute;
  /** The request, bound to its operation (chat, embeddings, …). */
  request: BoundRequest;
  requestId: string;
  /** The caller's W3C trace context, passed on to HTTP providers when the call is not traced itself. */
  traceparent?: string | undefined;
  /**
   * The span the call's own span is a child of, and what it records: the attempt's number on this
   * route and the route's index (the hop). A traced call sends its own span's `traceparent`.
   */
  trace?: { span: TraceSpan; attempt: number; hop: number } | undefined;
  limit: Limiter;
  signals: RouteSignals;
  signal?: AbortSignal | undefined;
  /** Stream the call: chunks go here as they arrive (see `ProviderClient.chatStream`). */
  onChunks?: ChunkSink | undefined;
  /**
   * How long to wait for a slot under the route's limits (full, or the provider paused after a 429)
   * before giving the route up as busy. @defaultValue the limiter's own bound
   */
  maxWaitMs?: number | undefined;
  /**
   * Fires when the process drains past its deadline: a call waiting for a slot gives up at once, one
   * under way is aborted. The caller then hands its job back instead of recording the failure.
   */
  handBack?: AbortSignal | undefined;
}): Promise<RouteCallOutcome> {
  const { client, route, signals } = options;
  const key = { provider: route.provider, model: route.upstreamModel };
  const startedAt = performance.now();
  let calledAt: number | undefined;
  const elapsed = () => (calledAt === undefined ? 0 : Math.round(performance.now() - calledAt));
  const limitWaitMs = () => (calledAt ?? performance.now()) - startedAt;
  let gaveUp = false;
  try {
    const limited = options.limit(() => {
      // A slot that comes after we gave up is handed straight back, without a call.
      if (gaveUp) return Promise.reject(new ProviderError({ provider: route.provider, code: 'route_busy', message: 'gave up waiting for a slot', retryable: false }));
      calledAt = performance.now();
      const signal = options.handBack && options.signal ? AbortSignal.any([options.signal, options.handBack]) : (options.signal ?? options.handBack);
      const span = options.trace?.span.startProviderCall({ client, route, request: options.request, attempt: options.trace.attempt, hop: options.trace.hop, limitWaitMs: calledAt - startedAt });
      const traceparent = span?.traceparent ?? options.traceparent;
      const context = { upstreamModel: route.upstreamModel, requestId: options.requestId, signal, ...(traceparent ? { traceparent } : {}) };
      const onChunks = span && options.onChunks ? withFirstChunk(options.onChunks, span) : options.onChunks;
      const call = options.request.call(client, context, onChunks);
      // A streamed call settles when its stream ends: so does its span.
      return span
        ? call.then(
            (result) => (span.end({ ok: true, result }), result),
            (error: unknown) => {
              span.end({ ok: false, error: toProviderError(error, route.provider) });
              throw error;
            },
          )
        : call;
    });
    const bounded = options.maxWaitMs !== undefined || options.handBack !== undefined;
    const result = bounded ? await giveUpAfter(limited, { waitMs: options.maxWaitMs, signal: options.handBack }, () => (gaveUp = calledAt === undefined)) : await limited;
    const latencyMs = elapsed();
    const bookkeeping = Promise.all([signals.breakers?.record(key, 'success'), signals.latencies?.record(route, latencyMs)]).then(
      () => undefined,
      () => undefined,
    );
    return { ok: true, result, attempt: completedAttempt(route, latencyMs), bookkeeping, limitWaitMs: limitWaitMs() };
  } catch (thrown) {
    if (thrown instanceof SlotWaitExpired) {
      const message = `no slot on ${route.provider} within ${options.maxWaitMs} ms (its limits are full, or it is paused after a 429)`;
      const error = new ProviderError({ provider: route.provider, code: 'route_busy', message, retryable: false });
      return { ok: false, busy: true, error, attempt: skippedAttempt(route, 'route_busy'), bookkeeping: Promise.resolve(), limitWaitMs: limitWaitMs() };
    }
    const error = toProviderError(thrown, route.provider);
    const aborted = options.signal?.aborted === true || options.handBack?.aborted === true;
    const verdict = calledAt === undefined || aborted ? undefined : breakerOutcomeOf(error);
    const bookkeeping = verdict && signals.breakers ? signals.breakers.record(key, verdict).catch(() => undefined) : Promise.resolve();
    return { ok: false, error, attempt: failedAttempt(route, error, elapsed()), bookkeeping, limitWaitMs: limitWaitMs() };
  }
}

/** The chunk sink, telling the call's span when the first chunk comes. */
function withFirstChunk(onChunks: ChunkSink, span: ProviderCallSpan): ChunkSink {
  return (chunks) => {
    span.firstChunk();
    onChunks(chunks);
  };
}

class SlotWaitExpired extends Error {
  override readonly name = 'SlotWaitExpired';
}

/**
 * The call's result, unless no slot came within `waitMs` or `signal` fired first: then `onExpire` runs
 * and SlotWaitExpired (or, for the signal, its reason) is thrown. A call already under way is awaited
 * as usual (the signal aborts it itself); the limiter learns of a late slot through the task.
 */
async function giveUpAfter<T>(limited: Promise<T>, bounds: { waitMs?: number | undefined; signal?: AbortSignal | undefined }, onExpire: () => boolean): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<'expired' | 'aborted'>((resolve) => {
    if (bounds.waitMs !== undefined) timer = setTimeout(() => resolve('expired'), bounds.waitMs);
    if (bounds.signal?.aborted) resolve('aborted');
    onAbort = () => resolve('aborted');
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([limited, expired]);
    if (first !== 'expired' && first !== 'aborted') return first;
    if (!onExpire()) return await limited; // the call had started: its answer is worth having
    limited.catch(() => undefined);
    if (first === 'aborted') throw bounds.signal?.reason ?? new Error('aborted');
    throw new SlotWaitExpired();
  } finally {
    clearTimeout(timer);
    if (onAbort) bounds.signal?.removeEventListener('abort', onAbort);
  }
}
