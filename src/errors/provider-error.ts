/**
 * The one error type every provider failure becomes. It crosses process boundaries (BullMQ
 * serialises errors), so it is recognised by `name` as well as by `instanceof`.
 */
export interface ProviderErrorOptions {
  provider: string;
  message: string;
  /** Upstream HTTP status; undefined for network failures and timeouts. */
  status?: number | undefined;
  /** The provider's own error code / type, kept verbatim. */
  code?: string | undefined;
  type?: string | undefined;
  param?: string | undefined;
  retryable?: boolean;
  /** From Retry-After / retry-after-ms, when the provider sent one. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly type: string | undefined;
  readonly param: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(options: ProviderErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
    this.code = options.code;
    this.type = options.type;
    this.param = options.param;
    this.retryable = options.retryable ?? isRetryableStatus(options.status);
    this.retryAfterMs = options.retryAfterMs;
  }

  static is(error: unknown): error is ProviderError {
    return error instanceof ProviderError || (error instanceof Error && error.name === 'ProviderError');
  }
}

/** 408, 409, 429 and 5xx are worth another try; so is a failure with no status (network, timeout). */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Parses `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfterMs(headers: Readonly<Record<string, string | string[] | undefined>>, now = Date.now()): number | undefined {
  const single = (name: string): string | undefined => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value)?.trim();
  };
  // Only well-formed values count; an empty or negative header is no hint at all (exponential backoff).
  const milliseconds = single('retry-after-ms');
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds)) return Number(milliseconds);
  const retryAfter = single('retry-after');
  if (retryAfter === undefined || retryAfter === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (/^[-+]?[\d.]+$/.test(retryAfter)) return undefined;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
