import type { ProviderError } from '../../errors/provider-error.ts';
import { wireRequestError, type WireRequestErrorOptions } from '../wire-request-error.ts';

/**
 * A request Anthropic cannot carry out as asked (`n` > 1, audio input, arguments that are not JSON):
 * refused before any call, as a non-retryable provider 400, which the client receives as a 400 with
 * OpenAI's `invalid_request_error` type and this code and param. `provider` is the wire format's name,
 * as building a request is not told the instance's name; the worker's logs carry that.
 */
export function anthropicRequestError(options: WireRequestErrorOptions): ProviderError {
  return wireRequestError('anthropic', options);
}
