import { eq } from 'drizzle-orm';
import type pg from 'pg';
import type { Database } from '../db/client.ts';
import { GroupCommitter } from '../db/group-commit.ts';
import type { OutageWait } from '../db/outage-retry.ts';
import { requests, type RequestCacheStatus, type RequestKind } from '../db/schema/requests.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { OperationName, OperationResponse } from '../operations/registry.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import { settledUsageOf, type SettledRequest, type SettledRequests } from '../observability/settled-requests.ts';
import { traceIdOf, type RequestCorrelation } from '../observability/request-correlation.ts';
import { recordOutcomesParameters, recordOutcomesSql } from './record-outcomes-sql.ts';
import type { RequestOutcome } from './request-outcome.ts';

export type { RequestOutcome } from './request-outcome.ts';

/** A usage row a write actually inserted (a duplicate outcome bills, and reports, nothing). */
export interface WrittenUsage {
  requestId: string;
  projectId: string;
  apiKeyId: string;
  totalTokens: number;
  cost: string;
  createdAt: Date;
}

/** Must not reject: it runs after the commit, and a counter must never fail a bill. */
export type AfterResultsWritten = (written: { outcomes: readonly RequestOutcome[]; billed: readonly WrittenUsage[] }) => Promise<void>;

interface BilledRow {
  request_id: string;
  project_id: string;
  api_key_id: string;
  total_tokens: number;
  cost: string;
  created_at: Date;
}

/**
 * Writes request outcomes and usage to Postgres with group commit: while one write is in flight,
 * outcomes queue up and go together in the next transaction. At low load every outcome is written
 * at once; under load a few round trips carry many rows. `record` resolves only once committed.
 */
export class ResultStore {
  private readonly committer: GroupCommitter<RequestOutcome>;
  private readonly afterWrite: AfterResultsWritten | undefined;
  private readonly settled: SettledRequests | undefined;

  constructor(
    private readonly db: Database,
    options: {
      /** @defaultValue 500 */
      maxBatchSize?: number;
      /** Told what each write billed (per-key and per-project spend and tokens), before callers resume. */
      afterWrite?: AfterResultsWritten;
      /** Told every outcome once committed (metrics, the request log). */
      settled?: SettledRequests;
      /** Wait out a Postgres outage with the outcomes in memory (see GroupCommitter). */
      outage?: OutageWait;
    } = {},
  ) {
    this.afterWrite = options.afterWrite;
    this.settled = options.settled;
    this.committer = new GroupCommitter((outcomes) => this.write(outcomes), { maxBatchSize: options.maxBatchSize ?? 500, maxInFlight: 1, outage: options.outage });
  }

  record(outcome: RequestOutcome): Promise<void> {
    return this.committer.add(outcome);
  }

  /** Resolves when everything recorded so far is written (used at shutdown). */
  flush(): Promise<void> {
    return this.committer.flush();
  }

  /** A completed request's response and fallback trail, if it completed (a fallback hop's short cut). */
  async findCompletedRecord(requestId: string): Promise<{ response: OperationResponse; routeAttempts: RouteAttempt[] | undefined } | undefined> {
    const [row] = await this.db.select({ status: requests.status, response: requests.response, routeAttempts: requests.routeAttempts }).from(requests).where(eq(requests.id, requestId));
    if (row?.status !== 'completed') return undefined;
    return { response: row.response as OperationResponse, routeAttempts: (row.routeAttempts as RouteAttempt[] | null) ?? undefined };
  }

  private async write(outcomes: RequestOutcome[]): Promise<void> {
    // One row per id per statement (Postgres refuses to upsert a row twice); a success beats a failure.
    const byId = new Map<string, RequestOutcome>();
    for (const outcome of outcomes) {
      const seen = byId.get(outcome.requestId);
      if (!seen || outcome.status === 'completed') byId.set(outcome.requestId, outcome);
    }
    const unique = [...byId.values()];
    // Plain pg rather than drizzle's builder (building a multi-row insert cost more CPU than sending
    // it), as a named statement: prepared once per connection. The usage rollups ride along.
    const { rows } = await this.pool.query<BilledRow>({ name: 'record-outcomes', text: recordOutcomesSql, values: recordOutcomesParameters(unique) });
    if (this.settled) {
      const billedIds = new Set(rows.map((row) => row.request_id));
      this.settled.publish(unique.map((outcome) => settledRequestOf(outcome, billedIds.has(outcome.requestId))));
    }
    if (!this.afterWrite) return;
    const billed = rows.map((row) => ({
      requestId: row.request_id,
      projectId: row.project_id,
      apiKeyId: row.api_key_id,
      totalTokens: row.total_tokens,
      cost: row.cost,
      createdAt: row.created_at,
    }));
    // The hook logs its own failures; this catch only keeps a counter from ever failing a bill.
    await this.afterWrite({ outcomes: unique, billed }).catch(() => {});
  }

  /** The pg pool behind the drizzle handle (`drizzle(pool)` keeps it as `$client`). */
  private get pool(): pg.Pool {
    return (this.db as Database & { $client: pg.Pool }).$client;
  }
}

/** An outcome as its watchers see it; `billed` when this write inserted its usage row. */
function settledRequestOf(outcome: RequestOutcome, billed: boolean): SettledRequest {
  const accepted = outcome.acceptedAt.getTime();
  const hit = outcome.cacheStatus === 'hit';
  return {
    requestId: outcome.requestId,
    kind: outcome.kind,
    projectId: outcome.projectId,
    apiKeyId: outcome.apiKeyId,
    model: outcome.model,
    provider: outcome.provider,
    upstreamModel: outcome.upstreamModel,
    batchId: null,
    operation: outcome.operation ?? 'chat',
    format: outcome.format,
    status: outcome.status,
    statusCode: outcome.statusCode,
    errorCode: outcome.errorCode ?? null,
    clientRequestId: outcome.correlation?.clientRequestId ?? null,
    traceId: traceIdOf(outcome.trace ?? outcome.correlation?.traceparent) ?? null,
    attempts: outcome.attempts,
    cacheStatus: outcome.cacheStatus ?? null,
    streamed: outcome.streamed ?? false,
    latencyMs: Math.max(0, outcome.completedAt.getTime() - accepted),
    queueWaitMs: hit || !outcome.startedAt ? null : Math.max(0, outcome.startedAt.getTime() - accepted),
    providerLatencyMs: outcome.providerLatencyMs ?? null,
    usage: billed && outcome.usage ? settledUsageOf(outcome.usage) : null,
  };
}
