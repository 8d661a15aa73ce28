/**
 * Every error the gateway answers, by code: the HTTP status and OpenAI error `type` it maps to.
 * docs/api.md lists each code (a test checks that it does).
 */
export const gatewayErrorCodes = {
  missing_api_key: { status: 401, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  invalid_admin_key: { status: 401, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request_body: { status: 400, type: 'invalid_request_error' },
  stream_not_supported: { status: 400, type: 'invalid_request_error' },
  provider_invalid_request: { status: 400, type: 'invalid_request_error' },
  webhook_url_not_allowed: { status: 400, type: 'invalid_request_error' },
  batch_not_cancellable: { status: 400, type: 'invalid_request_error' },
  batch_not_ended: { status: 400, type: 'invalid_request_error' },
  invalid_file: { status: 400, type: 'invalid_request_error' },
  invalid_batch_lines: { status: 400, type: 'invalid_request_error' },
  native_batch_unavailable: { status: 400, type: 'invalid_request_error' },
  unsupported_capability: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  provider_not_routable: { status: 400, type: 'invalid_request_error' },
  invalid_idempotency_key: { status: 400, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  provider_model_not_found: { status: 404, type: 'invalid_request_error' },
  idempotency_key_in_use: { status: 409, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  file_too_large: { status: 413, type: 'invalid_request_error' },
  provider_request_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  idempotency_key_reused: { status: 422, type: 'invalid_request_error' },
  provider_rate_limited: { status: 429, type: 'rate_limit_error' },
  rate_limit_exceeded: { status: 429, type: 'requests' },
  insufficient_quota: { status: 429, type: 'insufficient_quota' },
  budget_exceeded: { status: 429, type: 'insufficient_quota' },
  internal_error: { status: 500, type: 'server_error' },
  client_closed_request: { status: 499, type: 'server_error' },
  provider_error: { status: 502, type: 'api_error' },
  stream_interrupted: { status: 502, type: 'api_error' },
  provider_auth_error: { status: 502, type: 'api_error' },
  service_unavailable: { status: 503, type: 'server_error' },
  no_route_available: { status: 503, type: 'server_error' },
  request_timeout: { status: 504, type: 'timeout_error' },
  provider_timeout: { status: 504, type: 'timeout_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type GatewayErrorCode = keyof typeof gatewayErrorCodes;

/** The body of every error answer, as OpenAI's API shapes it. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * OpenAI's error `type` for an answer's code: the table's for a gateway code, else (a provider's own
 * code passed through, or a record's code) the one OpenAI gives that HTTP status. Every answer that
 * shows an error — the HTTP answer, an async job, a batch's error file — takes its type from here, so
 * one cause has one type wherever a client reads it.
 */
export function errorTypeFor(code: string, status: number): string {
  if (Object.hasOwn(gatewayErrorCodes, code)) return gatewayErrorCodes[code as GatewayErrorCode].type;
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The OpenAI error body of a recorded error: its code (as the client saw it), status and message. */
export function errorBodyOf(error: { code: string; status: number; message: string; param?: string | null }): OpenAIErrorBody {
  return { error: { message: error.message, type: errorTypeFor(error.code, error.status), param: error.param ?? null, code: error.code } };
}

/** Plain data, so it can travel from a worker to the API through Redis. */
export interface GatewayErrorPayload {
  code: GatewayErrorCode;
  message: string;
  param?: string | null;
  /** Overrides the table's type in the body (the tenant rate limits' `requests` / `tokens`). */
  bodyType?: string;
  /** Overrides the table's code in the body, e.g. to keep a provider's own error code. */
  bodyCode?: string;
}

/** What only the operator reads (config paths, env var names, the upstream's own words): logged, never answered. */
export interface GatewayErrorOptions {
  hint?: string;
  /** Response headers that belong to the answer (`Retry-After` …): written by the API's error handler. */
  headers?: Readonly<Record<string, string>>;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly param: string | null;
  readonly bodyType: string | undefined;
  readonly bodyCode: string | undefined;
  /** For the log line only: it never goes into an answer, a record or the payload. */
  readonly hint: string | undefined;
  /** Headers the answer carries (the error handler writes them), so code that refuses needs no HTTP reply. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(payload: GatewayErrorPayload, options: GatewayErrorOptions = {}) {
    super(payload.message);
    this.code = payload.code;
    this.param = payload.param ?? null;
    this.bodyType = payload.bodyType;
    this.bodyCode = payload.bodyCode;
    this.hint = options.hint;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return gatewayErrorCodes[this.code].status;
  }

  /** The code the client reads in the answer's body: the one records and log lines carry too. */
  get answerCode(): string {
    return this.bodyCode ?? this.code;
  }

  toPayload(): GatewayErrorPayload {
    return {
      code: this.code,
      message: this.message,
      param: this.param,
      ...(this.bodyType === undefined ? {} : { bodyType: this.bodyType }),
      ...(this.bodyCode === undefined ? {} : { bodyCode: this.bodyCode }),
    };
  }

  toBody(): OpenAIErrorBody {
    const body = errorBodyOf({ code: this.answerCode, status: this.status, message: this.message, param: this.param });
    return this.bodyType === undefined ? body : { error: { ...body.error, type: this.bodyType } };
  }
}
