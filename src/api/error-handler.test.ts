import { describe, expect, it } from 'vitest';
import { GatewayError, errorBodyOf, errorTypeFor } from '../errors/gateway-error.ts';
import { formatParamPath, toGatewayError } from './error-handler.ts';

/** An Error carrying Fastify's `code` / `statusCode`, as Fastify throws them. */
function fastifyError(message: string, fields: { code?: string; statusCode?: number }): Error {
  return Object.assign(new Error(message), fields);
}

describe('formatParamPath', () => {
  it.each([
    ['/messages/0/content', 'messages[0].content'],
    ['/messages/12/tool_calls/3/function/name', 'messages[12].tool_calls[3].function.name'],
    ['/temperature', 'temperature'],
    ['/stop/1', 'stop[1]'],
    ['messages/0', 'messages[0]'],
  ])('formats %j as %j', (instancePath, expected) => {
    expect(formatParamPath(instancePath)).toBe(expected);
  });

  it.each(['', '/'])('gives null for the root path %j', (instancePath) => {
    expect(formatParamPath(instancePath)).toBeNull();
  });
});

describe('toGatewayError', () => {
  it('returns a GatewayError as it is', () => {
    const original = new GatewayError({ code: 'model_not_found', message: 'nope' });
    expect(toGatewayError(original)).toBe(original);
  });

  it('maps a SyntaxError to invalid_json (400), keeping the parser message', () => {
    const error = toGatewayError(new SyntaxError('Unexpected token } in JSON at position 9'));
    expect(error.code).toBe('invalid_json');
    expect(error.status).toBe(400);
    expect(error.message).toContain('Unexpected token } in JSON at position 9');
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'request_too_large', 413],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'unsupported_media_type', 415],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'invalid_json', 400],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'invalid_json', 400],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'invalid_request_body', 400],
  ])('maps Fastify %s to %s', (code, statusCode, expectedCode, expectedStatus) => {
    const error = toGatewayError(fastifyError('fastify says no', { code, statusCode }));
    expect(error.code).toBe(expectedCode);
    expect(error.status).toBe(expectedStatus);
  });

  it('maps an unknown Error to internal_error (500) without leaking its message', () => {
    const error = toGatewayError(new Error('connection string postgres://secret@db'));
    expect(error.code).toBe('internal_error');
    expect(error.status).toBe(500);
    expect(error.message).not.toContain('secret');
  });

  it('maps an error with a 5xx statusCode to internal_error', () => {
    expect(toGatewayError(fastifyError('boom', { code: 'FST_SOMETHING', statusCode: 503 })).code).toBe('internal_error');
  });

  it('maps another 4xx error to invalid_request_body, keeping its message', () => {
    const error = toGatewayError(fastifyError('Unsupported header value', { code: 'FST_ERR_SOMETHING', statusCode: 400 }));
    expect(error.code).toBe('invalid_request_body');
    expect(error.message).toBe('Unsupported header value');
  });

  it('maps a code-less 400 (a body parser failure) to invalid_json', () => {
    expect(toGatewayError(fastifyError('bad body', { statusCode: 400 })).code).toBe('invalid_json');
  });
});

describe('GatewayError', () => {
  it('answers the OpenAI error body shape with the table type and status', () => {
    const error = new GatewayError({ code: 'model_not_found', message: 'The model `x` does not exist.', param: 'model' });
    expect(error.status).toBe(404);
    expect(error.toBody()).toEqual({
      error: { message: 'The model `x` does not exist.', type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
  });

  it('uses null for a missing param', () => {
    expect(new GatewayError({ code: 'internal_error', message: 'x' }).toBody()).toEqual({
      error: { message: 'x', type: 'server_error', param: null, code: 'internal_error' },
    });
  });

  it('lets bodyType and bodyCode override the body, not the status', () => {
    const error = new GatewayError({
      code: 'provider_invalid_request',
      message: 'too long',
      param: 'messages',
      bodyType: 'invalid_request_error',
      bodyCode: 'context_length_exceeded',
    });
    expect(error.status).toBe(400);
    expect(error.toBody()).toEqual({
      error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' },
    });
  });

  it('round-trips through its payload (worker → API through Redis)', () => {
    const original = new GatewayError({ code: 'provider_rate_limited', message: 'slow down', bodyCode: 'rate_limit_exceeded' });
    const payload = JSON.parse(JSON.stringify(original.toPayload())) as ReturnType<GatewayError['toPayload']>;
    expect(payload).toEqual({ code: 'provider_rate_limited', message: 'slow down', param: null, bodyCode: 'rate_limit_exceeded' });
    const revived = new GatewayError(payload);
    expect(revived.status).toBe(429);
    expect(revived.toBody()).toEqual(original.toBody());
  });

  it('answers with its answer code (a passed-through code first) and keeps its hint out of the body and the payload', () => {
    const error = new GatewayError({ code: 'provider_invalid_request', message: 'bad', bodyCode: 'invalid_value' }, { hint: 'check providers.x.apiKey' });
    expect(error.answerCode).toBe('invalid_value');
    expect(new GatewayError({ code: 'provider_error', message: 'x' }).answerCode).toBe('provider_error');
    expect(error.hint).toBe('check providers.x.apiKey');
    expect(JSON.stringify(error.toBody())).not.toContain('providers.');
    expect(JSON.stringify(error.toPayload())).not.toContain('providers.');
  });

  it.each([
    ['provider_auth_error', 502, 'api_error'],
    ['invalid_value', 400, 'invalid_request_error'],
    ['invalid_api_key_upstream', 401, 'authentication_error'],
    ['forbidden', 403, 'permission_error'],
    ['slow_down', 429, 'rate_limit_error'],
    ['mock_error', 503, 'server_error'],
  ])('types the recorded code %s (HTTP %i) as %s, as its answer was typed', (code, status, type) => {
    expect(errorTypeFor(code, status)).toBe(type);
    expect(errorBodyOf({ code, status, message: 'm' })).toEqual({ error: { message: 'm', type, param: null, code } });
  });

  it.each([
    ['invalid_api_key', 401, 'invalid_request_error'],
    ['provider_rate_limited', 429, 'rate_limit_error'],
    ['provider_error', 502, 'api_error'],
    ['service_unavailable', 503, 'server_error'],
    ['request_timeout', 504, 'timeout_error'],
  ] as const)('answers %s with HTTP %i and type %s', (code, status, type) => {
    const error = new GatewayError({ code, message: 'm' });
    expect(error.status).toBe(status);
    expect(error.toBody().error).toEqual({ message: 'm', type, param: null, code });
  });
});
