import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../errors/provider-error.ts';
import { parseGeminiError } from './gemini-error.ts';

function fixture(name: string): { error: { message: string } } {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), 'utf8')) as { error: { message: string } };
}

describe('parseGeminiError', () => {
  it.each([
    ['error-400-invalid-argument', 400, { status: 400, code: 'INVALID_ARGUMENT', retryable: false, retryAfterMs: undefined }],
    ['error-403-permission-denied', 403, { status: 403, code: 'PERMISSION_DENIED', retryable: false, retryAfterMs: undefined }],
    ['error-404-not-found', 404, { status: 404, code: 'NOT_FOUND', retryable: false, retryAfterMs: undefined }],
    ['error-429-resource-exhausted', 429, { status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true, retryAfterMs: 23_000 }],
    ['error-500-internal', 500, { status: 500, code: 'INTERNAL', retryable: true, retryAfterMs: undefined }],
    ['error-503-unavailable', 503, { status: 503, code: 'UNAVAILABLE', retryable: true, retryAfterMs: undefined }],
    ['error-504-deadline-exceeded', 504, { status: 504, code: 'DEADLINE_EXCEEDED', retryable: true, retryAfterMs: undefined }],
  ])('maps %s (HTTP %i) onto a ProviderError keeping the message', (name, status, expected) => {
    const body = fixture(name);
    const error = parseGeminiError({ provider: 'gemini', status, headers: {}, body });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'gemini', message: body.error.message, type: undefined, param: undefined, ...expected });
  });

  it('reports an invalid API key (Gemini’s 400 API_KEY_INVALID) as 401, the gateway’s credential problem', () => {
    const error = parseGeminiError({ provider: 'gemini', status: 400, headers: {}, body: fixture('error-400-api-key-invalid') });
    expect(error).toMatchObject({ status: 401, code: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.', retryable: false });
  });

  it('prefers a Retry-After header to RetryInfo, and reads fractional retry delays', () => {
    const body = fixture('error-429-resource-exhausted');
    expect(parseGeminiError({ provider: 'p', status: 429, headers: { 'retry-after': '5' }, body }).retryAfterMs).toBe(5000);
    const fractional = { error: { code: 429, message: 'm', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.25s' }] } };
    expect(parseGeminiError({ provider: 'p', status: 429, headers: {}, body: fractional }).retryAfterMs).toBe(250);
  });

  it('reads an error body wrapped in a one-element array', () => {
    const error = parseGeminiError({ provider: 'p', status: 503, headers: {}, body: [fixture('error-503-unavailable')] });
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.', retryable: true });
  });

  it('keeps a body that is not Google’s shape as the message, bounded, and falls back to the status', () => {
    expect(parseGeminiError({ provider: 'p', status: 502, headers: {}, body: '<html>502 Bad Gateway</html>' })).toMatchObject({
      message: '<html>502 Bad Gateway</html>',
      code: undefined,
      retryable: true,
    });
    expect(parseGeminiError({ provider: 'p', status: 500, headers: {}, body: 'x'.repeat(900) }).message).toBe('x'.repeat(500));
    expect(parseGeminiError({ provider: 'p', status: 503, headers: {}, body: '' }).message).toBe('HTTP 503');
    expect(parseGeminiError({ provider: 'p', status: 404, headers: {}, body: { detail: 'nope' } }).message).toBe('{"detail":"nope"}');
  });
});
