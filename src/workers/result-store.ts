import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { requests, type RequestKind } from '../db/schema/requests.ts';
import { usage } from '../db/schema/usage.ts';
import type { ChatCompletion, TokenUsage } from '../providers/chat-completion-schemas.ts';

export interface RequestOutcome {
  requestId: string;
  kind: RequestKind;
  projectId: string;
  apiKeyId: string;
  model: string;
  provider: string;
  upstreamModel: string;
  attempts: number;
  status: 'completed' | 'failed';
  statusCode: number;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  response?: ChatCompletion | undefined;
  acceptedAt: Date;
  startedAt: Date;
  completedAt: Date;
  providerLatencyMs?: number | undefined;
  /** Present on success: billed once per request id, whatever happens to the job afterwards. */
  usage?: (TokenUsage & { cost: string }) | undefined;
}

interface PendingWrite {
  outcome: RequestOutcome;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes request outcomes and usage to Postgres with group commit: while one write is in flight,
 * outcomes queue up and go together in the next transaction. At low load every outcome is written
 * at once; under load a few round trips carry many rows. `record` resolves only once committed.
 */
export class ResultStore {
  private queue: PendingWrite[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly maxBatchSize = 500,
  ) {}

  record(outcome: RequestOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ outcome, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves when everything recorded so far is written (used at shutdown). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** The stored response of a request already completed, if any (a re-delivered job's short cut). */
  async findCompleted(requestId: string): Promise<ChatCompletion | undefined> {
    const [row] = await this.db
      .select({ status: requests.status, response: requests.response })
      .from(requests)
      .where(eq(requests.id, requestId));
    return row?.status === 'completed' ? (row.response as ChatCompletion) : undefined;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatchSize);
        try {
          await this.write(batch.map((entry) => entry.outcome));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async write(outcomes: RequestOutcome[]): Promise<void> {
    // One row per id per statement (Postgres refuses to upsert a row twice); a success beats a failure.
    const byId = new Map<string, RequestOutcome>();
    for (const outcome of outcomes) {
      const seen = byId.get(outcome.requestId);
      if (!seen || outcome.status === 'completed') byId.set(outcome.requestId, outcome);
    }
    const unique = [...byId.values()];
    const requestRows = unique.map((outcome) => ({
      id: outcome.requestId,
      projectId: outcome.projectId,
      apiKeyId: outcome.apiKeyId,
      kind: outcome.kind,
      status: outcome.status,
      model: outcome.model,
      provider: outcome.provider,
      upstreamModel: outcome.upstreamModel,
      attempts: outcome.attempts,
      statusCode: outcome.statusCode,
      errorCode: outcome.errorCode ?? null,
      errorMessage: outcome.errorMessage ?? null,
      response: outcome.response ?? null,
      createdAt: outcome.acceptedAt,
      startedAt: outcome.startedAt,
      completedAt: outcome.completedAt,
      providerLatencyMs: outcome.providerLatencyMs ?? null,
    }));
    const usageRows = unique.flatMap((outcome) =>
      outcome.usage
        ? [
            {
              requestId: outcome.requestId,
              projectId: outcome.projectId,
              apiKeyId: outcome.apiKeyId,
              model: outcome.model,
              provider: outcome.provider,
              upstreamModel: outcome.upstreamModel,
              promptTokens: outcome.usage.promptTokens,
              completionTokens: outcome.usage.completionTokens,
              totalTokens: outcome.usage.totalTokens,
              cost: outcome.usage.cost,
              createdAt: outcome.completedAt,
            },
          ]
        : [],
    );
    await this.db.transaction(async (transaction) => {
      await transaction
        .insert(requests)
        .values(requestRows)
        .onConflictDoUpdate({
          target: requests.id,
          set: {
            status: sql`excluded.status`,
            provider: sql`excluded.provider`,
            upstreamModel: sql`excluded.upstream_model`,
            attempts: sql`excluded.attempts`,
            statusCode: sql`excluded.status_code`,
            errorCode: sql`excluded.error_code`,
            errorMessage: sql`excluded.error_message`,
            response: sql`excluded.response`,
            startedAt: sql`excluded.started_at`,
            completedAt: sql`excluded.completed_at`,
            providerLatencyMs: sql`excluded.provider_latency_ms`,
          },
          // A completed request is final: a late failure report never overwrites it.
          setWhere: sql`${requests.status} <> 'completed'`,
        });
      if (usageRows.length > 0) {
        await transaction.insert(usage).values(usageRows).onConflictDoNothing({ target: usage.requestId });
      }
    });
  }
}
