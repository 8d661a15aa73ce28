import type { GatewayError } from '../../errors/gateway-error.ts';

/**
 * A request the gateway cannot translate (an item, content part, tool or tool choice of a type it
 * does not carry): thrown inside the request converter and returned as `{ ok: false, message, param }`.
 */
export class UntranslatableResponsesRequest extends Error {
  override readonly name = 'UntranslatableResponsesRequest';

  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** What a response failed with: a gateway error, or one recorded from it (code as the client saw it). */
export interface ResponseFailure {
  code: string;
  status: number;
  message: string;
}

/** A Response's `error`: `code` is one of OpenAI's response error codes. */
export type ResponseError = {
  code: string;
  message: string;
};

/**
 * The codes OpenAI documents for a Response's `error.code`: typed clients switch on them, so a gateway
 * code outside the list is mapped to the nearest one (its own code stays in the stream's `error` event).
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-error
 */
const responseErrorCodes = new Set([
  'server_error',
  'rate_limit_exceeded',
  'invalid_prompt',
  'data_residency_mismatch',
  'bio_policy',
  'vector_store_timeout',
  'invalid_image',
  'invalid_image_format',
  'invalid_base64_image',
  'invalid_image_url',
  'image_too_large',
  'image_too_small',
  'image_parse_error',
  'image_content_policy_violation',
  'invalid_image_mode',
  'image_file_too_large',
  'unsupported_image_media_type',
  'empty_image_file',
  'failed_to_download_image',
  'image_file_not_found',
]);

/** A Response's `error` for a failure: OpenAI's code for it (429 → `rate_limit_exceeded`, other 4xx → `invalid_prompt`, else `server_error`). */
export function responseErrorOf(failure: ResponseFailure): ResponseError {
  if (responseErrorCodes.has(failure.code)) return { code: failure.code, message: failure.message };
  if (failure.status === 429) return { code: 'rate_limit_exceeded', message: failure.message };
  if (failure.status >= 400 && failure.status < 500 && failure.status !== 499) return { code: 'invalid_prompt', message: failure.message };
  return { code: 'server_error', message: failure.message };
}

/** A gateway error as a {@link ResponseFailure}: the code the client reads in every other answer. */
export function failureOf(error: GatewayError): ResponseFailure {
  return { code: error.answerCode, status: error.status, message: error.message };
}

/**
 * The data of a stream's `error` event. OpenAI documents `code`, `message` and `param` at the top
 * level, while its API sends them nested under `error` (which is what makes the OpenAI SDKs raise an
 * `APIError`): both are sent, so SDKs raise and clients reading the documented shape see the error.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming/error
 * @see https://github.com/openai/openai-dotnet/issues/881
 */
export function errorEventData(error: GatewayError, sequenceNumber: number): Record<string, unknown> {
  const body = error.toBody().error;
  return { type: 'error', code: body.code, message: body.message, param: body.param, error: body, sequence_number: sequenceNumber };
}
