import type { WireErrorInput } from '../provider-client.ts';
import { ProviderError, isRetryableStatus, parseRetryAfterMs } from '../../errors/provider-error.ts';
import { anthropicErrorBodySchema } from './anthropic-wire-schemas.ts';

/**
 * Anthropic's error body (`{"type": "error", "error": {"type", "message"}}`) → ProviderError with the
 * error's type as both `type` and `code` and its message kept. Retryable by status (429, 500, 504 and
 * 529 `overloaded_error` are; 400, 401, 402, 403, 404 and 413 are not), unless Anthropic says otherwise
 * in `x-should-retry`, which its own SDKs obey. `retry-after` (seconds) paces the retry.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function parseAnthropicError(input: WireErrorInput): ProviderError {
  const parsed = anthropicErrorBodySchema.safeParse(input.body);
  const detail = parsed.success ? parsed.data.error : undefined;
  // A 413 from Anthropic's edge, or a proxy in between, may answer HTML or plain text: keep it, bounded.
  const raw = typeof input.body === 'string' ? input.body : input.body === undefined || input.body === null ? '' : JSON.stringify(input.body);
  return new ProviderError({
    provider: input.provider,
    status: input.status,
    message: detail?.message ?? (raw.length > 0 ? raw.slice(0, 500) : `HTTP ${input.status}`),
    type: detail?.type,
    code: detail?.type,
    retryable: shouldRetryHeader(input.headers) ?? isRetryableStatus(input.status),
    retryAfterMs: parseRetryAfterMs(input.headers),
  });
}

function shouldRetryHeader(headers: WireErrorInput['headers']): boolean | undefined {
  const value = headers['x-should-retry'];
  const text = (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/**
 * The HTTP status each documented error type comes with; an error that arrives inside a stream
 * (after the 200) is given the status it would have had, so that it is retried the same way.
 * @see https://docs.anthropic.com/en/api/errors#http-errors
 */
const statusByErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * An `event: error` in a stream (`{"type":"error","error":{"type","message"}}`, the HTTP error body's
 * shape) → ProviderError, with the status of its type: `overloaded_error` mid-stream is a 529 and
 * retryable, `invalid_request_error` a 400 and not. An unknown type counts as `api_error` (500).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
 */
export function parseAnthropicStreamError(input: { provider: string; body: unknown }): ProviderError {
  const parsed = anthropicErrorBodySchema.safeParse(input.body);
  const type = parsed.success ? parsed.data.error.type : undefined;
  const status = type !== undefined && Object.hasOwn(statusByErrorType, type) ? (statusByErrorType[type] ?? 500) : 500;
  return parseAnthropicError({ provider: input.provider, status, headers: {}, body: input.body });
}
