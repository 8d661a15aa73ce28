import type { JobsOptions } from 'bullmq';
import type { RequestKind } from '../db/schema/requests.ts';
import type { ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';

/** BullMQ queue of one provider instance; every process derives the same name from the config. */
export function providerQueueName(provider: string): string {
  return `chat-${provider}`;
}

/** Everything a worker needs, so a job runs the same whatever config the worker process has loaded. */
export interface ChatJobData {
  requestId: string;
  kind: RequestKind;
  projectId: string;
  apiKeyId: string;
  /** The model name the client sent. */
  model: string;
  routes: ResolvedRoute[];
  /** Index into `routes` this job is for (fallback moves along it in the routing issue). */
  routeIndex: number;
  request: ChatCompletionRequest;
  /** Redis channel the waiting API process listens on; null when nobody waits (async work). */
  replyTo: string | null;
  /** Epoch ms the API accepted the request. */
  acceptedAt: number;
  /** Async jobs: where `job.completed` / `job.failed` go (null: the project's default, if any). */
  webhookUrl?: string | null;
}

/** Small on purpose: the result lives in Postgres and travels back over the reply channel. */
export interface ChatJobResult {
  status: 'completed' | 'failed';
}

export function chatJobOptions(options: { requestId: string; maxAttempts: number; retryBaseDelayMs: number }): JobsOptions {
  return {
    jobId: options.requestId,
    attempts: options.maxAttempts,
    backoff: { type: 'provider', delay: options.retryBaseDelayMs },
    // The record is in Postgres; Redis keeps no finished sync job for long.
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };
}
