import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { ChatResult, ProviderClient } from '../providers/provider-client.ts';
import { estimateRequestTokens } from '../providers/estimate-usage.ts';
import type { LimitProvider } from './provider-limits.ts';
import { GatewayError } from '../gateway-error.ts';
import { computeCost } from '../routing/cost.ts';
import type { ChatJobData, ChatJobResult } from './chat-job.ts';
import { providerErrorToGatewayError, toProviderError } from './provider-error-mapping.ts';
import { publishReply } from './reply-channel.ts';
import type { RequestOutcome, ResultStore } from './result-store.ts';

export interface ChatJobProcessorDependencies {
  providers: ReadonlyMap<string, ProviderClient>;
  resultStore: ResultStore;
  /** A plain (non-blocking, non-subscriber) connection for publishing replies. */
  publisher: Redis;
  logger: Logger;
  /** Caps in-flight calls per provider across every queue of this process. */
  limitProvider: LimitProvider;
  /** Async jobs: show `in_progress` while running, and send the webhook once recorded. */
  lifecycle?: ChatJobLifecycle;
}

export interface ChatJobLifecycle {
  onStart(data: ChatJobData): Promise<void>;
  onSettled(data: ChatJobData, outcome: RequestOutcome): Promise<void>;
}

/**
 * Calls the provider for one job, records the outcome and usage in Postgres (exactly once per request
 * id), then answers the waiting caller. Retryable failures are rethrown for BullMQ to retry with
 * backoff; the last failure is recorded and answered, then ends the job as unrecoverable.
 */
export function createChatJobProcessor(dependencies: ChatJobProcessorDependencies) {
  const { providers, resultStore, publisher } = dependencies;

  return async function processChatJob(job: Job<ChatJobData, ChatJobResult>): Promise<ChatJobResult> {
    const data = job.data;
    const route = data.routes[data.routeIndex];
    if (!route) throw new UnrecoverableError(`job ${job.id} has no route ${data.routeIndex}`);
    const logger = dependencies.logger.child({ requestId: data.requestId, jobId: job.id, provider: route.provider, model: data.model });

    // A job seen before (retried, or re-delivered after a worker died) may already be done: answer
    // from the record instead of calling the provider and billing again.
    if (job.attemptsMade > 0 || job.stalledCounter > 0) {
      const stored = await resultStore.findCompleted(data.requestId);
      if (stored) {
        logger.info('job already completed; answering from the record');
        if (data.replyTo) await publishReply(publisher, data.replyTo, { requestId: data.requestId, ok: true, completion: stored });
        return { status: 'completed' };
      }
    }

    const client = providers.get(route.provider);
    await dependencies.lifecycle?.onStart(data);
    const startedAt = new Date();
    const base = {
      requestId: data.requestId,
      kind: data.kind,
      projectId: data.projectId,
      apiKeyId: data.apiKeyId,
      model: data.model,
      provider: route.provider,
      upstreamModel: route.upstreamModel,
      attempts: job.attemptsMade + 1,
      acceptedAt: new Date(data.acceptedAt),
      startedAt,
    } satisfies Partial<RequestOutcome>;

    let result: ChatResult;
    try {
      if (!client) throw new Error(`provider "${route.provider}" is not configured in this worker`);
      const limit = dependencies.limitProvider({
        provider: route.provider,
        model: route.upstreamModel,
        estimatedTokens: estimateRequestTokens(data.request),
        trafficClass: 'interactive',
      });
      result = await limit(() =>
        client.chat(data.request, { upstreamModel: route.upstreamModel, requestId: data.requestId }),
      );
    } catch (thrown) {
      const providerError = toProviderError(thrown, route.provider);
      const maxAttempts = job.opts.attempts ?? 1;
      if (providerError.retryable && job.attemptsMade + 1 < maxAttempts) {
        logger.warn({ err: providerError, attempt: job.attemptsMade + 1, maxAttempts }, 'provider call failed; will retry');
        throw providerError;
      }
      const gatewayError = providerErrorToGatewayError(providerError);
      logger.warn({ err: providerError, attempt: job.attemptsMade + 1 }, 'provider call failed; giving up');
      const completedAt = new Date();
      const failure: RequestOutcome = {
        ...base,
        status: 'failed',
        statusCode: gatewayError.status,
        errorCode: providerError.code ?? gatewayError.code,
        errorMessage: gatewayError.message,
        completedAt,
        providerLatencyMs: completedAt.getTime() - startedAt.getTime(),
      };
      await recordOrAnswerUnavailable(job, failure);
      await dependencies.lifecycle?.onSettled(data, failure);
      if (data.replyTo) {
        await publishReply(publisher, data.replyTo, { requestId: data.requestId, ok: false, error: gatewayError.toPayload() });
      }
      throw new UnrecoverableError(gatewayError.message);
    }

    const completedAt = new Date();
    const success: RequestOutcome = {
      ...base,
      status: 'completed',
      statusCode: 200,
      response: result.completion,
      completedAt,
      providerLatencyMs: completedAt.getTime() - startedAt.getTime(),
      usage: { ...result.usage, cost: computeCost({ usage: result.usage, pricing: route.pricing }) },
      warnings: result.warnings,
    };
    if (result.warnings) logger.warn({ warnings: result.warnings }, 'provider could not honour every setting');
    await recordOrAnswerUnavailable(job, success);
    await dependencies.lifecycle?.onSettled(data, success);
    // A failed publish (Redis blip) is retried by BullMQ; the retry answers from the record.
    if (data.replyTo) {
      await publishReply(publisher, data.replyTo, { requestId: data.requestId, ok: true, completion: result.completion, cost: success.usage?.cost });
    }
    return { status: 'completed' };
  };

  /**
   * The record comes before the answer: no caller gets a result that is not billed. Postgres hiccups
   * are retried here (the result is in memory); if it stays down the job fails for BullMQ to retry,
   * and on the last attempt the caller hears 503 instead of waiting for a timeout.
   */
  async function recordOrAnswerUnavailable(job: Job<ChatJobData, ChatJobResult>, outcome: RequestOutcome): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await resultStore.record(outcome);
        return;
      } catch (error) {
        lastError = error;
        await sleep(100 * 4 ** attempt);
      }
    }
    dependencies.logger.error({ err: lastError, requestId: outcome.requestId }, 'cannot record the outcome in Postgres');
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (lastAttempt && job.data.replyTo) {
      const unavailable = new GatewayError({ code: 'service_unavailable', message: 'The result could not be recorded; retry the request.' });
      await publishReply(publisher, job.data.replyTo, { requestId: outcome.requestId, ok: false, error: unavailable.toPayload() }).catch(() => {});
    }
    throw lastError;
  }
}

/** BullMQ backoff: the provider's Retry-After when it sent one, else exponential from the base delay. */
export function providerBackoff(attemptsMade: number, _type: string | undefined, error: Error | undefined, job?: { opts: { backoff?: unknown } }): number {
  const retryAfter = error && 'retryAfterMs' in error && typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined) return retryAfter;
  const backoff = job?.opts.backoff;
  const base = typeof backoff === 'object' && backoff !== null && 'delay' in backoff && typeof backoff.delay === 'number' ? backoff.delay : 500;
  return base * 2 ** Math.max(0, attemptsMade - 1);
}
