import { GatewayError } from '../gateway-error.ts';
import { ProviderError } from '../providers/provider-error.ts';

/**
 * What a client sees when a provider call finally fails. A provider's 400/422 reaches the client as a
 * 400 with the provider's own type, code and param (a drop-in client expects OpenAI's validation
 * errors); a 429 stays a 429 so SDKs back off; anything else (auth, 5xx, network) is a 502.
 */
export function providerErrorToGatewayError(error: ProviderError): GatewayError {
  const prefix = `provider "${error.provider}"`;
  if (error.status === 400 || error.status === 422) {
    return new GatewayError({
      code: 'provider_invalid_request',
      message: error.message,
      param: error.param ?? null,
      ...(error.type === undefined ? {} : { bodyType: error.type }),
      ...(error.code === undefined ? {} : { bodyCode: error.code }),
    });
  }
  if (error.status === 429) {
    return new GatewayError({ code: 'provider_rate_limited', message: `${prefix} is rate limiting: ${error.message}` });
  }
  const what = error.status === undefined ? (error.code ?? 'network error') : `HTTP ${error.status}`;
  return new GatewayError({ code: 'provider_error', message: `${prefix} failed (${what}): ${error.message}` });
}

/** Anything thrown inside a provider call, as a ProviderError (unexpected errors are not retried). */
export function toProviderError(error: unknown, provider: string): ProviderError {
  if (ProviderError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({ provider, code: 'internal', message: `unexpected error: ${message}`, retryable: false, cause: error });
}
