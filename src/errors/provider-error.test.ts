import { describe, expect, it } from 'vitest';
import { ProviderError, isRetryableStatus, parseRetryAfterMs } from './provider-error.ts';

describe('isRetryableStatus', () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 599])('retries HTTP %i', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });

  it.each([400, 401, 403, 404, 413, 422])('does not retry HTTP %i', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });

  it('retries a failure without a status (network, timeout)', () => {
    expect(isRetryableStatus(undefined)).toBe(true);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('returns undefined without a retry header', () => {
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'content-type': 'application/json' }, now)).toBeUndefined();
  });

  it('reads retry-after-ms as milliseconds, fractions kept', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250' }, now)).toBe(250);
    expect(parseRetryAfterMs({ 'retry-after-ms': '12.5' }, now)).toBe(12.5);
  });

  it('prefers retry-after-ms over retry-after', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250', 'retry-after': '7' }, now)).toBe(250);
  });

  it('falls back to retry-after when retry-after-ms is not a number', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': 'soon', 'retry-after': '7' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after-ms': '-5', 'retry-after': '7' }, now)).toBe(7000);
  });

  it('reads retry-after in seconds', () => {
    expect(parseRetryAfterMs({ 'retry-after': '0' }, now)).toBe(0);
    expect(parseRetryAfterMs({ 'retry-after': '20' }, now)).toBe(20_000);
    expect(parseRetryAfterMs({ 'retry-after': '1.5' }, now)).toBe(1500);
  });

  it('reads retry-after as an HTTP date relative to now', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 12:00:45 GMT' }, now)).toBe(45_000);
  });

  it('clamps an HTTP date in the past to zero', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }, now)).toBe(0);
  });

  it('ignores a retry-after that is neither seconds nor a date', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'later' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': '3 apples' }, now)).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    expect(parseRetryAfterMs({ 'retry-after': ['3', '9'] }, now)).toBe(3000);
    expect(parseRetryAfterMs({ 'retry-after-ms': ['40', '90'] }, now)).toBe(40);
  });

  // Number('') is 0 and V8 reads '-3' as a date in 2001: neither may become "retry at once".
  it('ignores empty or negative retry headers', () => {
    expect(parseRetryAfterMs({ 'retry-after': '' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '', 'retry-after': '7' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': '-3' }, now)).toBeUndefined();
  });
});

describe('ProviderError', () => {
  it('keeps every field it is given', () => {
    const cause = new Error('socket hang up');
    const error = new ProviderError({
      provider: 'openai',
      message: 'bad',
      status: 400,
      code: 'invalid_value',
      type: 'invalid_request_error',
      param: 'messages[0].role',
      retryAfterMs: 10,
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProviderError');
    expect(error).toMatchObject({
      provider: 'openai',
      message: 'bad',
      status: 400,
      code: 'invalid_value',
      type: 'invalid_request_error',
      param: 'messages[0].role',
      retryAfterMs: 10,
    });
    expect(error.cause).toBe(cause);
  });

  it('derives retryable from the status unless told', () => {
    expect(new ProviderError({ provider: 'p', message: 'm', status: 503 }).retryable).toBe(true);
    expect(new ProviderError({ provider: 'p', message: 'm', status: 401 }).retryable).toBe(false);
    expect(new ProviderError({ provider: 'p', message: 'm' }).retryable).toBe(true);
    expect(new ProviderError({ provider: 'p', message: 'm', status: 503, retryable: false }).retryable).toBe(false);
    expect(new ProviderError({ provider: 'p', message: 'm', status: 400, retryable: true }).retryable).toBe(true);
  });

  it('has no cause when none is given', () => {
    expect(new ProviderError({ provider: 'p', message: 'm' })).not.toHaveProperty('cause');
  });

  describe('ProviderError.is', () => {
    it('recognises an instance', () => {
      expect(ProviderError.is(new ProviderError({ provider: 'p', message: 'm' }))).toBe(true);
    });

    it('recognises an Error named ProviderError (deserialised in another process)', () => {
      const revived = new Error('from a worker');
      revived.name = 'ProviderError';
      expect(ProviderError.is(revived)).toBe(true);
    });

    it('rejects other errors and non-errors', () => {
      expect(ProviderError.is(new Error('plain'))).toBe(false);
      expect(ProviderError.is(new TypeError('type'))).toBe(false);
      expect(ProviderError.is({ name: 'ProviderError', message: 'not an Error' })).toBe(false);
      expect(ProviderError.is('ProviderError')).toBe(false);
      expect(ProviderError.is(undefined)).toBe(false);
    });
  });
});
