import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { WebhooksConfig } from '../config/gateway-config.ts';
import { assertWebhookUrlAllowedOffline, createGuardedLookup, isWebhookUrlRefusal, type ResolveAll } from './ssrf-guard.ts';
import type { WebhookSignatureHeaders } from './webhook-signing.ts';

/** What one POST to a receiver came to. */
export interface AttemptResult {
  /** The receiver's HTTP status; null when no response arrived (network error, timeout, refusal). */
  statusCode: number | null;
  latencyMs: number;
  /** Why it failed, for the delivery log; null on 2xx. */
  error: string | null;
  /** The SSRF guard refused the URL at delivery time. */
  refused: boolean;
}

export interface WebhookSender {
  send(input: { url: string; headers: WebhookSignatureHeaders; body: string }): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** Receivers' bodies are not read; a little is drained so the socket can be reused. */
const drainLimitBytes = 64 * 1024;

/**
 * POSTs over one undici Agent whose every new connection resolves through the SSRF guard, so the
 * address connected to is the one that was vetted. Redirects are not followed (a 3xx is a failure):
 * following one would leave the guard's hands.
 */
export function createWebhookSender(config: WebhooksConfig, options: { resolve?: ResolveAll } = {}): WebhookSender {
  const agent = new Agent({
    connect: { lookup: createGuardedLookup(config, options.resolve), timeout: config.timeoutMs },
    keepAliveTimeout: 4_000,
  });

  return {
    async send(input) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const signal = AbortSignal.timeout(config.timeoutMs);
      try {
        // Literal-IP hosts never reach the lookup, so they are judged here.
        assertWebhookUrlAllowedOffline(input.url, config);
        const response = await request(input.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'llm-gateway-webhooks/1', ...input.headers },
          body: input.body,
          dispatcher: agent,
          signal,
        });
        const latencyMs = elapsed();
        await response.body.dump({ limit: drainLimitBytes }).catch(() => undefined);
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        return { statusCode: response.statusCode, latencyMs, error: ok ? null : `HTTP ${response.statusCode}`, refused: false };
      } catch (error) {
        const latencyMs = elapsed();
        if (isWebhookUrlRefusal(error)) return { statusCode: null, latencyMs, error: `refused: ${error.message}`, refused: true };
        if (signal.aborted) return { statusCode: null, latencyMs, error: `timed out after ${config.timeoutMs} ms`, refused: false };
        return { statusCode: null, latencyMs, error: describeNetworkError(error), refused: false };
      }
    },
    close: () => agent.close(),
  };
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return code ? `${code}: ${error.message}` : error.message;
}
