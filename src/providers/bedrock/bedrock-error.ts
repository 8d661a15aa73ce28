import type { WireErrorInput } from '../provider-client.ts';
import { ProviderError, isRetryableStatus, parseRetryAfterMs } from '../../errors/provider-error.ts';
import { bedrockErrorBodySchema } from './bedrock-wire-schemas.ts';

/**
 * Each documented Converse error with its HTTP status. Retryable: throttling, timeouts, a model still
 * loading and the service's own failures; not: a request Bedrock refused, access, an unknown model,
 * and `ModelErrorException` (the model itself failed on this input: another try fails the same way).
 * `InvalidSignatureException` and `UnrecognizedClientException` come from the AWS front door.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
 */
const errorTypes: Record<string, { status: number; retryable: boolean }> = {
  ValidationException: { status: 400, retryable: false },
  AccessDeniedException: { status: 403, retryable: false },
  InvalidSignatureException: { status: 403, retryable: false },
  UnrecognizedClientException: { status: 403, retryable: false },
  ExpiredTokenException: { status: 403, retryable: false },
  ResourceNotFoundException: { status: 404, retryable: false },
  ModelTimeoutException: { status: 408, retryable: true },
  ModelErrorException: { status: 424, retryable: false },
  ThrottlingException: { status: 429, retryable: true },
  ModelNotReadyException: { status: 429, retryable: true },
  ServiceQuotaExceededException: { status: 400, retryable: false },
  InternalServerException: { status: 500, retryable: true },
  ServiceUnavailableException: { status: 503, retryable: true },
  ModelStreamErrorException: { status: 424, retryable: false },
};

/** `ValidationException:http://internal.amazon.com/coral/…` → `ValidationException`; a stream's `throttlingException` → `ThrottlingException`. */
export function bedrockErrorType(raw: string | undefined): string | undefined {
  const name = raw?.split(':')[0]?.split('#').at(-1)?.trim();
  if (!name) return undefined;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function header(headers: WireErrorInput['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A Bedrock error (`x-amzn-errortype` header, `{"message"}` body) → ProviderError, with the error's
 * type as both `type` and `code` and its message kept. Retryable by type where the type is known,
 * else by status; `retry-after`, when sent, paces the retry.
 */
export function parseBedrockError(input: WireErrorInput): ProviderError {
  const parsed = bedrockErrorBodySchema.safeParse(input.body);
  const body = parsed.success ? parsed.data : undefined;
  const type = bedrockErrorType(header(input.headers, 'x-amzn-errortype') ?? body?.__type);
  const known = type !== undefined && Object.hasOwn(errorTypes, type) ? errorTypes[type] : undefined;
  const raw = typeof input.body === 'string' ? input.body : input.body === undefined || input.body === null ? '' : JSON.stringify(input.body);
  return new ProviderError({
    provider: input.provider,
    status: input.status,
    message: body?.message ?? body?.Message ?? (raw.length > 0 ? raw.slice(0, 500) : `HTTP ${input.status}`),
    type,
    code: type,
    retryable: known?.retryable ?? isRetryableStatus(input.status),
    retryAfterMs: parseRetryAfterMs(input.headers),
  });
}

/**
 * An exception message inside ConverseStream (`:message-type: exception`, its type in
 * `:exception-type`, e.g. `throttlingException`, `modelStreamErrorException`) → the ProviderError the
 * same error has as an HTTP answer, with that status, so it is retried the same way. An unknown type
 * counts as an `InternalServerException` (500).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export function parseBedrockStreamException(input: { provider: string; exceptionType: string | undefined; body: unknown }): ProviderError {
  const type = bedrockErrorType(input.exceptionType);
  const status = type !== undefined && Object.hasOwn(errorTypes, type) ? (errorTypes[type]?.status ?? 500) : 500;
  return parseBedrockError({ provider: input.provider, status, headers: type ? { 'x-amzn-errortype': type } : {}, body: input.body });
}
