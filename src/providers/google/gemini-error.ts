import type { WireErrorInput } from '../provider-client.ts';
import { ProviderError, parseRetryAfterMs } from '../../errors/provider-error.ts';
import { geminiErrorBodySchema, type GeminiErrorBody } from './chat/gemini-schemas.ts';

type ErrorDetail = NonNullable<GeminiErrorBody['error']['details']>[number];

const retryInfoType = 'type.googleapis.com/google.rpc.RetryInfo';
const errorInfoType = 'type.googleapis.com/google.rpc.ErrorInfo';

/** A protobuf Duration in JSON (`"34s"`, `"0.5s"`) in milliseconds. */
function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function detailOfType(details: ErrorDetail[] | undefined, type: string): ErrorDetail | undefined {
  return details?.find((detail) => detail['@type'] === type);
}

/** Some Google endpoints wrap the error body in a one-element array. */
function unwrap(body: unknown): unknown {
  return Array.isArray(body) && body.length === 1 ? (body[0] as unknown) : body;
}

/**
 * Google's error body → {@link ProviderError}: the message kept, `code` the canonical status
 * (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, …), retryable by HTTP status (429 and 5xx). The retry hint
 * is a `Retry-After` header or, as Gemini usually sends it, `google.rpc.RetryInfo.retryDelay`.
 * Gemini answers an invalid API key with 400 (`ErrorInfo.reason: API_KEY_INVALID`); that is the
 * gateway's credential, not the client's request, so it is reported as 401, like OpenAI's, and the
 * client is not told its own request was invalid.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 */
export function parseGeminiError(input: WireErrorInput): ProviderError {
  const parsed = geminiErrorBodySchema.safeParse(unwrap(input.body));
  const error = parsed.success ? parsed.data.error : undefined;
  const raw = typeof input.body === 'string' ? input.body : input.body === undefined || input.body === null ? '' : JSON.stringify(input.body);
  const retryDelay = durationMs(detailOfType(error?.details, retryInfoType)?.['retryDelay']);
  const invalidKey = detailOfType(error?.details, errorInfoType)?.['reason'] === 'API_KEY_INVALID';
  return new ProviderError({
    provider: input.provider,
    status: invalidKey ? 401 : input.status,
    message: error?.message ?? (raw.length > 0 ? raw.slice(0, 500) : `HTTP ${input.status}`),
    code: error?.status,
    retryAfterMs: parseRetryAfterMs(input.headers) ?? retryDelay,
  });
}
