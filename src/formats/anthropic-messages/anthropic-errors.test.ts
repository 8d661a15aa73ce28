import { describe, expect, it } from 'vitest';
import { GatewayError, gatewayErrorCodes, type GatewayErrorCode } from '../../errors/gateway-error.ts';
import { anthropicErrorBody, anthropicErrorType } from './anthropic-errors.ts';

describe('anthropicErrorBody', () => {
  it.each<[GatewayErrorCode, string]>([
    ['invalid_request_body', 'invalid_request_error'],
    ['invalid_api_key', 'authentication_error'],
    ['model_not_found', 'not_found_error'],
    ['request_too_large', 'request_too_large'],
    ['provider_rate_limited', 'rate_limit_error'],
    ['budget_exceeded', 'rate_limit_error'],
    ['internal_error', 'api_error'],
    ['provider_error', 'api_error'],
    ['no_route_available', 'overloaded_error'],
    ['service_unavailable', 'overloaded_error'],
    ['provider_timeout', 'timeout_error'],
    ['idempotency_key_in_use', 'invalid_request_error'],
    ['unsupported_media_type', 'invalid_request_error'],
  ])('answers %s as %s', (code, type) => {
    expect(anthropicErrorBody(new GatewayError({ code, message: 'what went wrong' }))).toEqual({ type: 'error', error: { type, message: 'what went wrong' } });
  });

  it.each([
    [403, 'permission_error'],
    [402, 'billing_error'],
    [529, 'overloaded_error'],
    [418, 'invalid_request_error'],
    [507, 'api_error'],
  ])('maps status %i to %s', (status, type) => {
    expect(anthropicErrorType(status)).toBe(type);
  });

  it('gives every gateway error code one of Anthropic’s documented types', () => {
    const documented = new Set([
      'invalid_request_error',
      'authentication_error',
      'billing_error',
      'permission_error',
      'not_found_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'timeout_error',
      'overloaded_error',
    ]);
    for (const { status } of Object.values(gatewayErrorCodes)) expect(documented.has(anthropicErrorType(status))).toBe(true);
  });
});
