import { ProviderError } from '../errors/provider-error.ts';

export interface WireRequestErrorOptions {
  param: string;
  message: string;
  code?: 'unsupported_parameter' | 'unsupported_value' | 'invalid_value';
}

/**
 * A request a wire format cannot carry out as asked: refused before any call, as a non-retryable
 * provider 400, which the client receives as a 400 with OpenAI's `invalid_request_error` type and this
 * code (`unsupported_value` unless told) and param. `provider` is the wire format's name, as building a
 * request is not told the instance's name; the worker's logs carry that.
 */
export function wireRequestError(provider: string, options: WireRequestErrorOptions): ProviderError {
  return new ProviderError({
    provider,
    status: 400,
    type: 'invalid_request_error',
    code: options.code ?? 'unsupported_value',
    param: options.param,
    message: options.message,
    retryable: false,
  });
}
