import type { GatewayError } from '../../errors/gateway-error.ts';
import type { AnthropicErrorBody } from './message-response-schemas.ts';

/**
 * Anthropic's error type for each HTTP status it documents. The gateway's own 503s (no route, shutting
 * down) read as `overloaded_error`, Anthropic's "try again shortly", as its 529 does; 502 (a provider
 * failed) as `api_error`. Any other 4xx is `invalid_request_error`, as Anthropic says it uses that type
 * for 4xx statuses it does not list; any other 5xx is `api_error`.
 * @see https://docs.anthropic.com/en/api/errors#http-errors
 */
const errorTypeByStatus: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic's error `type` for an HTTP status. */
export function anthropicErrorType(status: number): string {
  return errorTypeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/**
 * A gateway error in Anthropic's shape (`{"type":"error","error":{"type","message"}}`), for the body of
 * an error answer and for an `error` event in a stream. The type follows the HTTP status, which is what
 * Anthropic's SDKs choose their error class by; the message is the gateway's own.
 */
export function anthropicErrorBody(error: GatewayError): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } };
}
