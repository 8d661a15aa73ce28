import type { RequestCacheStatus, RequestKind } from '../db/schema/requests.ts';
import type { Logger } from '../logging/logger.ts';
import type { OperationName } from '../operations/registry.ts';
import type { RequestFormat } from '../formats/request-format.ts';

/**
 * One request's final outcome, as committed to Postgres: what metrics, request logs and anything
 * else that watches traffic need, in one shape for sync calls, streams, cache hits, async jobs and
 * batch lines. Published after the commit, by the process that wrote it.
 */
export interface SettledRequest {
  requestId: string;
  kind: RequestKind;
  /** What was asked: chat completions or embeddings. @defaultValue 'chat' */
  operation?: OperationName;
  /** The client API it came in through. */
  format: RequestFormat;
  projectId: string;
  apiKeyId: string;
  /** The model the client asked for. */
  model: string;
  /** The provider and upstream model that served (or last tried) it; null when none was tried. */
  provider: string | null;
  upstreamModel: string | null;
  batchId: string | null;
  status: 'completed' | 'failed' | 'cancelled' | 'expired';
  statusCode: number | null;
  /** The code the client read in the answer (the gateway's, or a provider's own passed through on a 400). */
  errorCode: string | null;
  /** The caller's `x-request-id` and the trace id of its `traceparent`, when it sent them (sync and async). */
  clientRequestId?: string | null;
  traceId?: string | null;
  attempts: number;
  cacheStatus: RequestCacheStatus | null;
  streamed: boolean;
  /** Accepted → settled (sync and async); for batch lines, started → settled (the batch's wait is not the line's). */
  latencyMs: number;
  /** Accepted → first call started (sync and async); null for batch lines and cache hits. */
  queueWaitMs: number | null;
  /** The final provider call alone. */
  providerLatencyMs: number | null;
  /** Present when the request was billed by this write (exactly once per request). */
  usage: {
    promptTokens: number;
    cachedPromptTokens: number;
    completionTokens: number;
    totalTokens: number;
    /** USD, exact decimal. */
    cost: string;
    costSaved: string;
  } | null;
}

/** A record's usage as watchers see it (cached tokens and savings default to 0). */
export function settledUsageOf(usage: {
  promptTokens: number;
  cachedPromptTokens?: number | undefined;
  completionTokens: number;
  totalTokens: number;
  cost: string;
  costSaved?: string | undefined;
}): NonNullable<SettledRequest['usage']> {
  return {
    promptTokens: usage.promptTokens,
    cachedPromptTokens: usage.cachedPromptTokens ?? 0,
    completionTokens: usage.completionTokens,
    totalTokens: usage.totalTokens,
    cost: usage.cost,
    costSaved: usage.costSaved ?? '0',
  };
}

export type SettledRequestListener = (requests: readonly SettledRequest[]) => void;

/**
 * In-process fan-out of settled requests to their watchers (metrics, the request log). Listeners run
 * synchronously after the commit; one that throws is logged and never fails the write.
 */
export class SettledRequests {
  private readonly listeners: SettledRequestListener[] = [];

  constructor(private readonly logger: Logger) {}

  subscribe(listener: SettledRequestListener): void {
    this.listeners.push(listener);
  }

  publish(requests: readonly SettledRequest[]): void {
    if (requests.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(requests);
      } catch (error) {
        this.logger.error({ err: error }, 'a settled-request listener failed');
      }
    }
  }
}
