import type { RequestCacheStatus, RequestKind } from '../db/schema/requests.ts';
import type { OperationName } from '../operations/registry.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import type { RequestCorrelation } from '../observability/request-correlation.ts';

export type RequestOutcomeStatus = 'completed' | 'failed' | 'cancelled' | 'expired';

/** What a billed outcome cost: its tokens, the cost in USD (exact decimal), and for a cache hit or a provider batch the saving. */
export type OutcomeUsage = TokenUsage & {
  cost: string;
  /** Nothing priced the model: `cost` is a placeholder 0, and the record stores NULL (unknown). */
  costUnknown?: true;
  /** Answered from the cache: what the original call cost. */
  costSaved?: string;
  /** Served by a provider's batch API: what the sync price would have cost minus `cost`, exact decimal. */
  batchSaved?: string;
};

/**
 * One request's final outcome, as written to `requests` (and `usage` when billed): the one type every
 * writer takes, whoever settled it — a sync or async job, a cache hit answered by the API, a batch line.
 */
export interface RequestOutcome {
  requestId: string;
  kind: RequestKind;
  /** @defaultValue 'chat' */
  operation?: OperationName | undefined;
  /** The client API it came in through (a batch line: its batch's endpoint's; see `formatOfEndpoint`). */
  format: RequestFormat;
  /** The model's routing rule that chose the routes (`default`: its own); absent where none was recorded. */
  routingRule?: string | undefined;
  projectId: string;
  apiKeyId: string;
  /** The model the client asked for (a batch line's, even when it never ran; never empty). */
  model: string;
  /** The provider and upstream model that served it, or the last tried; null when none was. */
  provider: string | null;
  upstreamModel: string | null;
  /** Provider calls made, over every route. */
  attempts: number;
  status: RequestOutcomeStatus;
  /** The HTTP status the client was (or would have been) answered; null for a batch line stopped before it ran. */
  statusCode: number | null;
  errorCode?: string | null | undefined;
  errorMessage?: string | null | undefined;
  /** The operation's answer (a chat.completion, embedding vectors), or a batch line's error body from its provider. */
  response?: unknown;
  acceptedAt: Date;
  /** When the first call began; null for a batch line that never ran. */
  startedAt: Date | null;
  completedAt: Date;
  providerLatencyMs?: number | null | undefined;
  /** What the client format's translation could not carry, then the settings the provider could not honour. */
  warnings?: string[] | undefined;
  /** The fallback trail: every attempt, the serving (or last failed) one last. */
  routeAttempts?: RouteAttempt[] | undefined;
  /** Present when billed: billed once per request id, whatever happens to the job afterwards. */
  usage?: OutcomeUsage | null | undefined;
  cacheStatus?: RequestCacheStatus | undefined;
  streamed?: boolean | undefined;
  /** The caller's `x-request-id` (stored) and `traceparent` (logged). */
  correlation?: RequestCorrelation | undefined;
  /** With tracing on: the `traceparent` the job carried, whose trace id the request log line carries. */
  trace?: string | undefined;
  /** A batch line: its batch, its line of the input file and its `custom_id`. */
  batchId?: string | undefined;
  lineNumber?: number | undefined;
  customId?: string | undefined;
  /** Served by its provider's batch API: that provider batch's id. */
  providerBatchId?: string | null | undefined;
}

/** A batch line's outcome: a request outcome that names its batch, line and custom id. */
export type BatchLineOutcome = RequestOutcome & { kind: 'batch'; batchId: string; lineNumber: number; customId: string };
