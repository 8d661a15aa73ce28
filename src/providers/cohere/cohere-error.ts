import type { WireErrorInput } from '../provider-client.ts';
import { ProviderError, parseRetryAfterMs } from '../../errors/provider-error.ts';
import { cohereErrorBodySchema } from './cohere-schemas.ts';

/** Cohere names its errors by HTTP status only; these are the names its error reference gives. */
const codeByStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  402: 'payment_required',
  404: 'not_found',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  498: 'invalid_token',
  499: 'client_closed_request',
  500: 'internal_server_error',
  501: 'not_implemented',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/**
 * Cohere's `{"message": …}` error body → {@link ProviderError}: retried on 429 and 5xx (and 408/409),
 * with its Retry-After. Cohere's 498 (an invalid key) is the gateway's credential: reported as 401.
 * @see https://docs.cohere.com/reference/errors
 */
export function parseCohereError(input: WireErrorInput): ProviderError {
  const parsed = cohereErrorBodySchema.safeParse(input.body);
  const raw = typeof input.body === 'string' ? input.body : input.body === undefined || input.body === null ? '' : JSON.stringify(input.body);
  const status = input.status === 498 ? 401 : input.status;
  return new ProviderError({
    provider: input.provider,
    status,
    code: codeByStatus[input.status] ?? `http_${input.status}`,
    message: parsed.success ? parsed.data.message : raw.length > 0 ? raw.slice(0, 500) : `HTTP ${input.status}`,
    retryAfterMs: parseRetryAfterMs(input.headers),
  });
}

/** A request Cohere's format cannot carry as asked: a 400 before any call (`cohere` names the wire format). */
export function cohereInvalidRequest(message: string, param: string): ProviderError {
  return new ProviderError({ provider: 'cohere', status: 400, code: 'invalid_request', type: 'invalid_request_error', message, param, retryable: false });
}
