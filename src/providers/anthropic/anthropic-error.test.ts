import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../errors/provider-error.ts';
import { parseAnthropicError } from './anthropic-error.ts';

/** Error bodies in the shape Anthropic documents (https://docs.anthropic.com/en/api/errors). */
function fixture(name: string): { error: { type: string; message: string } } {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), 'utf8')) as { error: { type: string; message: string } };
}

describe('parseAnthropicError', () => {
  it.each([
    ['error-400-invalid-request', 400, 'invalid_request_error', false],
    ['error-401-authentication', 401, 'authentication_error', false],
    ['error-402-billing', 402, 'billing_error', false],
    ['error-403-permission', 403, 'permission_error', false],
    ['error-404-not-found', 404, 'not_found_error', false],
    ['error-413-request-too-large', 413, 'request_too_large', false],
    ['error-429-rate-limit', 429, 'rate_limit_error', true],
    ['error-500-api-error', 500, 'api_error', true],
    ['error-504-timeout', 504, 'timeout_error', true],
    ['error-529-overloaded', 529, 'overloaded_error', true],
  ])('maps %s (HTTP %i) onto a ProviderError typed %s, retryable: %s', (name, status, type, retryable) => {
    const body = fixture(name);
    const error = parseAnthropicError({ provider: 'claude', status, headers: {}, body });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'claude', status, type, code: type, param: undefined, retryable, retryAfterMs: undefined });
    expect(error.message).toBe(body.error.message);
  });

  it('reads retry-after (seconds) of a 429', () => {
    const error = parseAnthropicError({ provider: 'p', status: 429, headers: { 'retry-after': '17' }, body: fixture('error-429-rate-limit') });
    expect(error.retryAfterMs).toBe(17_000);
  });

  it.each([
    [429, 'false', false],
    [400, 'true', true],
    [529, 'FALSE', false],
    [500, 'maybe', true],
  ])('lets x-should-retry decide for HTTP %i (%s → %s), as Anthropic’s SDKs do', (status, header, retryable) => {
    const error = parseAnthropicError({ provider: 'p', status, headers: { 'x-should-retry': header }, body: fixture('error-500-api-error') });
    expect(error.retryable).toBe(retryable);
  });

  it('keeps a non-JSON body (an edge proxy’s page) as the message, bounded', () => {
    const html = '<html><head><title>413 Request Entity Too Large</title></head></html>';
    expect(parseAnthropicError({ provider: 'p', status: 413, headers: {}, body: html })).toMatchObject({ message: html, code: undefined, retryable: false });
    expect(parseAnthropicError({ provider: 'p', status: 502, headers: {}, body: 'x'.repeat(900) }).message).toBe('x'.repeat(500));
  });

  it('falls back to the HTTP status without a body, and keeps another JSON shape as text', () => {
    expect(parseAnthropicError({ provider: 'p', status: 503, headers: {}, body: '' }).message).toBe('HTTP 503');
    const openAIShaped = { error: { message: 'nope', type: 'server_error' } };
    expect(parseAnthropicError({ provider: 'p', status: 500, headers: {}, body: openAIShaped }).message).toBe(JSON.stringify(openAIShaped));
  });
});
