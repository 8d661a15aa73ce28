import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import type { ChatResult, ProviderClient } from '../providers/provider-client.ts';
import type { ProviderError } from '../providers/provider-error.ts';
import { toProviderError } from '../workers/provider-error-mapping.ts';
import type { Limiter } from '../workers/provider-limits.ts';


export type CallOutcome = { ok: true; result: ChatResult; attempts: number; latencyMs: number } | { ok: false; error: ProviderError; attempts: number; latencyMs: number };

/**
 * One batch line's provider call with retries in process (a chunk job holds many lines, so BullMQ's
 * per-job retries do not fit). The limiter wraps each call only: a line waiting out its backoff does
 * not hold a concurrency slot.
 */
export async function callWithRetries(options: {
  client: ProviderClient;
  request: ChatCompletionRequest;
  upstreamModel: string;
  requestId: string;
  maxAttempts: number;
  retryBaseDelayMs: number;
  limit: Limiter;
  /** Checked before each retry: a cancelled batch does not keep retrying. */
  shouldStop?: () => Promise<boolean>;
}): Promise<CallOutcome> {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const started = performance.now();
    try {
      const result = await options.limit(() => options.client.chat(options.request, { upstreamModel: options.upstreamModel, requestId: options.requestId }));
      return { ok: true, result, attempts, latencyMs: Math.round(performance.now() - started) };
    } catch (thrown) {
      const error = toProviderError(thrown, options.client.name);
      const latencyMs = Math.round(performance.now() - started);
      if (!error.retryable || attempts >= options.maxAttempts || (await options.shouldStop?.())) {
        return { ok: false, error, attempts, latencyMs };
      }
      await sleep(error.retryAfterMs ?? options.retryBaseDelayMs * 2 ** (attempts - 1));
    }
  }
}
