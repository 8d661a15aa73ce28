import { ProviderError } from '../../errors/provider-error.ts';

/**
 * A client request the Gemini format cannot carry without changing what the model sees (an image it
 * cannot reach, a tool result for an unknown call). Failing beats answering a different question: it
 * reaches the client as a 400 `provider_invalid_request`. Thrown before any call, so the configured
 * provider name is not known here; `google` names the wire format.
 */
export function geminiInvalidRequest(message: string, param: string): ProviderError {
  return new ProviderError({ provider: 'google', status: 400, code: 'invalid_request', type: 'invalid_request_error', message, param, retryable: false });
}
