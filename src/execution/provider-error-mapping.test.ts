import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import { ProviderError } from '../errors/provider-error.ts';
import { providerBackoff } from '../workers/provider-backoff.ts';
import { providerErrorToGatewayError, toProviderError } from './provider-error-mapping.ts';

describe('providerErrorToGatewayError', () => {
  it.each([400, 422])('passes a provider %i through as provider_invalid_request with its code and param, the type by status', (status) => {
    const providerError = new ProviderError({
      provider: 'openai',
      status,
      message: "Invalid value for 'messages[0].role'.",
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'messages[0].role',
    });
    const error = providerErrorToGatewayError(providerError);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe('provider_invalid_request');
    expect(error.status).toBe(400);
    expect(error.toBody()).toEqual({
      error: { message: "Invalid value for 'messages[0].role'.", type: 'invalid_request_error', param: 'messages[0].role', code: 'invalid_value' },
    });
  });

  it("gives a provider 400 OpenAI's type for the status, not the vendor's own (it could not be shown the same in async and batch answers)", () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'vllm', status: 400, type: 'BadRequestError', code: '400', message: 'max_tokens is too large' }));
    expect(error.toBody().error).toEqual({ message: 'max_tokens is too large', type: 'invalid_request_error', param: null, code: '400' });
    expect(error.answerCode).toBe('400');
  });

  it('uses the table type and code for a 400 the provider did not describe', () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'openai', status: 400, message: 'HTTP 400' }));
    expect(error.toBody()).toEqual({ error: { message: 'HTTP 400', type: 'invalid_request_error', param: null, code: 'provider_invalid_request' } });
  });

  it('keeps a 429 a 429 (provider_rate_limited), naming the provider and keeping its message', () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'openai', status: 429, code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o-mini' }));
    expect(error.code).toBe('provider_rate_limited');
    expect(error.status).toBe(429);
    expect(error.message).toContain('provider "openai"');
    expect(error.message).toContain('Rate limit reached for gpt-4o-mini');
  });

  // 401/403/404 used to be provider_error too; they now have codes of their own (below).
  it.each([
    [500, 'The server had an error while processing your request.', 'HTTP 500'],
    [502, 'Bad gateway', 'HTTP 502'],
    [503, 'overloaded', 'HTTP 503'],
    [409, 'Conflict', 'HTTP 409'],
  ])('answers a provider %i as provider_error (502), the provider message kept', (status, message, what) => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'openai', status, message, code: 'whatever' }));
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(502);
    expect(error.message).toBe(`provider "openai" failed (${what}): ${message}`);
    // The provider's own code does not leak as the body code of a 502.
    expect(error.toBody().error.code).toBe('provider_error');
  });

  it('answers a network failure (no status) as provider_error, naming its code', () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'local', code: 'ECONNREFUSED', message: 'cannot reach provider: connect ECONNREFUSED 127.0.0.1:9' }));
    expect(error.status).toBe(502);
    expect(error.message).toBe('provider "local" failed (ECONNREFUSED): cannot reach provider: connect ECONNREFUSED 127.0.0.1:9');
  });

  it.each([
    ['ECONNRESET', 'cannot reach provider: read ECONNRESET'],
    ['UND_ERR_SOCKET', 'cannot reach provider: other side closed'],
  ])('answers a connection reset (%s) as provider_error (502)', (code, message) => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'local', code, message }));
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(502);
    expect(error.message).toBe(`provider "local" failed (${code}): ${message}`);
  });

  it.each([
    [401, 'Incorrect API key provided: sk-upstr***', "rejected the gateway's credentials (HTTP 401)"],
    [403, 'Country, region, or territory not supported', 'denied the gateway access (HTTP 403)'],
  ])("answers a provider %i as provider_auth_error (502): the gateway's credentials, not the caller's", (status, message, what) => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'openai', status, message, code: 'invalid_api_key', type: 'invalid_request_error' }));
    expect(error.code).toBe('provider_auth_error');
    expect(error.status).toBe(502);
    expect(error.message).toBe(`provider "openai" ${what}; the fault is the gateway's, not your request's, and it has been logged.`);
    // Neither the caller's 401 nor the provider's own code: the SDK must not read it as a bad gateway key.
    expect(error.toBody().error).toEqual({ message: error.message, type: 'api_error', param: null, code: 'provider_auth_error' });
    // Where to fix it, and the upstream's words (which may quote part of the key), are for the log only.
    expect(error.hint).toBe(`check providers.openai.apiKey, credentials and headers in the gateway config (the provider said: ${message})`);
    expect(JSON.stringify(error.toBody())).not.toMatch(/providers\.|apiKey|config|sk-upstr/);
    expect(JSON.stringify(error.toPayload())).not.toContain('providers.');
  });

  it('answers a provider 404 (unknown model or deployment) as 404 provider_model_not_found, the config hint kept apart', () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'azure', status: 404, code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' }));
    expect(error.status).toBe(404);
    expect(error.toBody().error).toEqual({
      message: 'provider "azure" answered HTTP 404 (unknown upstream model or deployment): The API deployment for this resource does not exist.',
      type: 'invalid_request_error',
      param: null,
      code: 'provider_model_not_found',
    });
    expect(error.hint).toContain('providers.azure.baseUrl');
  });

  it('answers a provider 413 as 413 provider_request_too_large', () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'groq', status: 413, message: 'Request Entity Too Large' }));
    expect(error.code).toBe('provider_request_too_large');
    expect(error.status).toBe(413);
    expect(error.message).toBe('provider "groq" refused the request as too large (HTTP 413): Request Entity Too Large');
  });

  it.each([
    [undefined, 'timeout', 'provider did not answer within 60000 ms', 'no answer in time'],
    [408, undefined, 'Request Timeout', 'HTTP 408'],
    [504, undefined, 'Gateway Timeout', 'HTTP 504'],
  ])('answers a timeout (status %s) as 504 provider_timeout', (status, code, message, what) => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'openai', status, code, message }));
    expect(error.code).toBe('provider_timeout');
    expect(error.status).toBe(504);
    expect(error.toBody().error.type).toBe('timeout_error');
    expect(error.message).toBe(`provider "openai" timed out (${what}): ${message}`);
  });

  it("keeps Azure's content_filter 400 as provider_invalid_request with its code and param", () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'azure', status: 400, code: 'content_filter', param: 'prompt', message: 'The response was filtered', retryable: false }));
    expect(error.status).toBe(400);
    expect(error.toBody().error).toEqual({ message: 'The response was filtered', type: 'invalid_request_error', param: 'prompt', code: 'content_filter' });
  });

  it('says "network error" when a status-less failure has no code', () => {
    const error = providerErrorToGatewayError(new ProviderError({ provider: 'local', message: 'socket hang up' }));
    expect(error.message).toBe('provider "local" failed (network error): socket hang up');
  });
});

describe('toProviderError', () => {
  it('returns a ProviderError as it is', () => {
    const original = new ProviderError({ provider: 'openai', status: 503, message: 'down' });
    expect(toProviderError(original, 'other')).toBe(original);
  });

  it('keeps an Error revived by name (from another process) as it is', () => {
    const revived = Object.assign(new Error('down'), { name: 'ProviderError', status: 503 });
    expect(toProviderError(revived, 'openai')).toBe(revived);
  });

  it('wraps a plain Error as a non-retryable internal ProviderError of the given provider', () => {
    const cause = new TypeError("Cannot read properties of undefined (reading 'choices')");
    const error = toProviderError(cause, 'openai');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', code: 'internal', retryable: false, status: undefined });
    expect(error.message).toBe("unexpected error: Cannot read properties of undefined (reading 'choices')");
    expect(error.cause).toBe(cause);
  });

  it('wraps a thrown non-Error value', () => {
    const error = toProviderError('just a string', 'mock');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('unexpected error: just a string');
  });

  it('maps a wrapped unexpected error to a 502 for the client', () => {
    expect(providerErrorToGatewayError(toProviderError(new Error('bug'), 'openai')).message).toBe('provider "openai" failed (internal): unexpected error: bug');
  });
});

describe('providerBackoff', () => {
  const job = (delay: number) => ({ opts: { backoff: { type: 'provider', delay } } });

  it("uses the provider's retryAfterMs when it sent one", () => {
    const error = new ProviderError({ provider: 'openai', status: 429, message: 'slow down', retryAfterMs: 20_000 });
    expect(providerBackoff(1, 'provider', error, job(500))).toBe(20_000);
    expect(providerBackoff(4, 'provider', error, job(500))).toBe(20_000);
  });

  it('honours a retryAfterMs of zero', () => {
    const error = new ProviderError({ provider: 'openai', status: 503, message: 'x', retryAfterMs: 0 });
    expect(providerBackoff(3, 'provider', error, job(500))).toBe(0);
  });

  it('doubles the base delay each attempt without a hint (BullMQ passes attemptsMade from 1)', () => {
    const error = new ProviderError({ provider: 'openai', status: 503, message: 'x' });
    expect([1, 2, 3, 4].map((attempts) => providerBackoff(attempts, 'provider', error, job(250)))).toEqual([250, 500, 1000, 2000]);
  });

  it('falls back to a 500 ms base when the job has no backoff delay', () => {
    expect(providerBackoff(1, 'provider', new Error('x'), { opts: {} })).toBe(500);
    expect(providerBackoff(3, 'provider', undefined, undefined)).toBe(2000);
  });

  it('never goes below the base delay for attemptsMade 0', () => {
    expect(providerBackoff(0, 'provider', undefined, job(100))).toBe(100);
  });
});
