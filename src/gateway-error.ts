/**
 * Every error the gateway answers, by code: the HTTP status and OpenAI error `type` it maps to.
 * The README lists each code (a test checks that it does).
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
  invalid_file: { status: 400, type: 'invalid_request_error' },
  unsupported_capability: { status: 400, type: 'invalid_request_error' },
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

/** Plain data, so it can travel from a worker to the API through Redis. */
export interface GatewayErrorPayload {
  code: GatewayErrorCode;
  message: string;
  param?: string | null;
  /** Overrides the table's type/code in the body, e.g. to keep a provider's own error code. */
  bodyType?: string;
  bodyCode?: string;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly param: string | null;
  readonly bodyType: string | undefined;
  readonly bodyCode: string | undefined;

  constructor(payload: GatewayErrorPayload) {
    super(payload.message);
    this.code = payload.code;
    this.param = payload.param ?? null;
    this.bodyType = payload.bodyType;
    this.bodyCode = payload.bodyCode;
  }

  get status(): number {
    return gatewayErrorCodes[this.code].status;
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
    return {
      error: {
        message: this.message,
        type: this.bodyType ?? gatewayErrorCodes[this.code].type,
        param: this.param,
        code: this.bodyCode ?? this.code,
      },
    };
  }
}
