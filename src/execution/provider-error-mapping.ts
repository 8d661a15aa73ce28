import { GatewayError } from '../errors/gateway-error.ts';
import { ProviderError } from '../errors/provider-error.ts';

/**
 * What a client sees when a provider call finally fails, in OpenAI's error shape — the one mapping
 * sync answers, async jobs and batch lines all use, so a cause has one code and type everywhere:
 * - 400/422 → 400 with the provider's own code and param (a drop-in client expects OpenAI's
 *   validation errors; Azure's `content_filter` arrives this way); the type follows the status;
 * - 404 → 404: the upstream model or deployment does not exist (or the provider's baseUrl is wrong);
 * - 413 → 413: the provider refused the request as too large;
 * - 429 → 429, so SDKs back off;
 * - 401/403 → 502 `provider_auth_error`: the gateway's own provider credentials were refused, which is
 *   not the caller's fault (a 401 would tell the caller its gateway key is wrong). The upstream's words
 *   (which may quote part of the key) and where to fix it go to the log, not to the tenant;
 * - a timeout (the gateway's, or the provider's 408/504) → 504 `provider_timeout`;
 * - anything else (5xx, connection refused or reset, an unreadable answer) → 502 `provider_error`.
 * The error's `hint` (config paths) is for the log line only.
 */
export function providerErrorToGatewayError(error: ProviderError): GatewayError {
  const prefix = `provider "${error.provider}"`;
  const status = error.status;
  if (status === 400 || status === 422) {
    return new GatewayError({
      code: 'provider_invalid_request',
      message: error.message,
      param: error.param ?? null,
      ...(error.code === undefined ? {} : { bodyCode: error.code }),
    });
  }
  if (status === 429) {
    return new GatewayError({ code: 'provider_rate_limited', message: `${prefix} is rate limiting: ${error.message}` });
  }
  if (status === 401 || status === 403) {
    const what = status === 401 ? "rejected the gateway's credentials" : 'denied the gateway access';
    return new GatewayError(
      { code: 'provider_auth_error', message: `${prefix} ${what} (HTTP ${status}); the fault is the gateway's, not your request's, and it has been logged.` },
      { hint: `check providers.${error.provider}.apiKey, credentials and headers in the gateway config (the provider said: ${error.message})` },
    );
  }
  if (status === 404) {
    return new GatewayError(
      { code: 'provider_model_not_found', message: `${prefix} answered HTTP 404 (unknown upstream model or deployment): ${error.message}` },
      { hint: `check the route's model name and providers.${error.provider}.baseUrl in the gateway config` },
    );
  }
  if (status === 413) {
    return new GatewayError({ code: 'provider_request_too_large', message: `${prefix} refused the request as too large (HTTP 413): ${error.message}` });
  }
  if ((status === undefined && error.code === 'timeout') || status === 408 || status === 504) {
    const what = status === undefined ? 'no answer in time' : `HTTP ${status}`;
    return new GatewayError({ code: 'provider_timeout', message: `${prefix} timed out (${what}): ${error.message}` });
  }
  const what = status === undefined ? (error.code ?? 'network error') : `HTTP ${status}`;
  return new GatewayError({ code: 'provider_error', message: `${prefix} failed (${what}): ${error.message}` });
}

/** Anything thrown inside a provider call, as a ProviderError (unexpected errors are not retried). */
export function toProviderError(error: unknown, provider: string): ProviderError {
  if (ProviderError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({ provider, code: 'internal', message: `unexpected error: ${message}`, retryable: false, cause: error });
}
