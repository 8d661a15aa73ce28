import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors/provider-error.ts';
import { backoffDelayMs, breakerOutcomeOf, decideAfterFailure, defaultRetryPolicy, isContextLengthError, isProviderSideFailure } from './failover-decision.ts';

const error = (options: { status?: number; code?: string; message?: string; retryAfterMs?: number; retryable?: boolean }) =>
  new ProviderError({ provider: 'openai', message: options.message ?? 'failed', ...options });

const decide = (overrides: Partial<Parameters<typeof decideAfterFailure>[0]> & { error: ProviderError }) =>
  decideAfterFailure({ attempt: 1, maxAttempts: 3, hasNextRoute: true, now: 1_000, baseDelayMs: 100, policy: defaultRetryPolicy, random: () => 0.5, ...overrides });

describe('decideAfterFailure', () => {
  it.each([408, 409, 429, 500, 502, 503, 529])('retries HTTP %i while attempts remain', (status) => {
    expect(decide({ error: error({ status }) })).toEqual({ action: 'retry', delayMs: 50 });
  });

  it.each([
    ['a timeout', error({ code: 'timeout' })],
    ['a refused connection', error({ code: 'ECONNREFUSED' })],
  ])('retries %s, then falls back once attempts run out', (_what, failure) => {
    expect(decide({ error: failure }).action).toBe('retry');
    expect(decide({ error: failure, attempt: 3 })).toEqual({ action: 'fallback', reason: 'retries_exhausted' });
  });

  it('fails when the last route runs out of attempts', () => {
    expect(decide({ error: error({ status: 503 }), attempt: 3, hasNextRoute: false })).toEqual({ action: 'fail' });
  });

  it.each([400, 401, 403, 404, 413, 422])('fails a client error (HTTP %i) at once, without fallback', (status) => {
    expect(decide({ error: error({ status, message: 'Invalid value for max_tokens: too large' }) })).toEqual({ action: 'fail' });
  });

  it('falls back at once on a context-length error, without retrying', () => {
    expect(decide({ error: error({ status: 400, code: 'context_length_exceeded' }) })).toEqual({ action: 'fallback', reason: 'context_length' });
  });

  it('waits out Retry-After instead of the backoff', () => {
    expect(decide({ error: error({ status: 429, retryAfterMs: 1_500 }) })).toEqual({ action: 'retry', delayMs: 1_500 });
  });

  it('falls back at once when Retry-After is longer than the bound, and fails when there is nothing to fall back to', () => {
    const tooLong = error({ status: 429, retryAfterMs: defaultRetryPolicy.maxRetryAfterMs + 1 });
    expect(decide({ error: tooLong })).toEqual({ action: 'fallback', reason: 'retry_after_too_long' });
    expect(decide({ error: tooLong, hasNextRoute: false })).toEqual({ action: 'fail' });
  });

  it('does not retry past the deadline; it falls back if there is still time to start', () => {
    expect(decide({ error: error({ status: 503, retryAfterMs: 500 }), deadline: 1_400 })).toEqual({ action: 'fallback', reason: 'deadline' });
    expect(decide({ error: error({ status: 503 }), attempt: 3, deadline: 1_000 })).toEqual({ action: 'fail' });
  });

  it('retries a non-retryable 5xx no more, but still falls back (x-should-retry: false)', () => {
    expect(decide({ error: error({ status: 500, retryable: false }) })).toEqual({ action: 'fallback', reason: 'retries_exhausted' });
  });

  it.each(['internal', 'budget_exceeded'])('fails the gateway’s own %s error without fallback', (code) => {
    expect(decide({ error: error({ code, retryable: false }) })).toEqual({ action: 'fail' });
  });
});

describe('backoffDelayMs', () => {
  it('draws uniformly below base × 2^(attempt-1): full jitter', () => {
    expect(backoffDelayMs({ attempt: 1, baseDelayMs: 100, maxBackoffMs: 10_000, random: () => 0 })).toBe(0);
    expect(backoffDelayMs({ attempt: 3, baseDelayMs: 100, maxBackoffMs: 10_000, random: () => 0.999 })).toBe(399);
    expect(backoffDelayMs({ attempt: 3, baseDelayMs: 100, maxBackoffMs: 10_000, random: () => 0.5 })).toBe(200);
  });

  it('caps the ceiling at maxBackoffMs', () => {
    expect(backoffDelayMs({ attempt: 30, baseDelayMs: 500, maxBackoffMs: 2_000, random: () => 0.999 })).toBe(1_998);
  });
});

describe('isContextLengthError', () => {
  it.each([
    ['OpenAI', "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."],
    ['Anthropic', 'prompt is too long: 208000 tokens > 200000 maximum'],
    ['Gemini', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'],
    ['Mistral', 'Prompt contains 40000 tokens, too large for model with 32768 maximum context length'],
    ['vLLM', "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens"],
    ['a generic proxy', 'Input exceeds the maximum length allowed'],
  ])('recognises %s’s phrasing in a 400', (_who, message) => {
    expect(isContextLengthError(error({ status: 400, message }))).toBe(true);
  });

  it('recognises the code whatever the message', () => {
    expect(isContextLengthError(error({ status: 400, code: 'context_length_exceeded', message: 'too long' }))).toBe(true);
  });

  it.each([
    [400, "Invalid value for 'max_tokens': too large."],
    [400, 'max_tokens is too large: 99999. This model supports at most 16384 completion tokens'],
    [500, 'context length exceeded somewhere upstream'],
    [413, 'Request exceeds the maximum size'],
  ])('does not mistake HTTP %i %j for one', (status, message) => {
    expect(isContextLengthError(error({ status, message }))).toBe(false);
  });
});

describe('breaker accounting', () => {
  it('counts provider-side failures, takes client errors as the provider answering, ignores the gateway’s own', () => {
    expect(breakerOutcomeOf(error({ status: 503 }))).toBe('failure');
    expect(breakerOutcomeOf(error({ status: 429 }))).toBe('failure');
    expect(breakerOutcomeOf(error({ code: 'timeout' }))).toBe('failure');
    expect(breakerOutcomeOf(error({ status: 400 }))).toBe('success');
    expect(breakerOutcomeOf(error({ status: 401 }))).toBe('success');
    expect(breakerOutcomeOf(error({ code: 'internal', retryable: false }))).toBeUndefined();
    expect(breakerOutcomeOf(error({ code: 'budget_exceeded', retryable: false }))).toBeUndefined();
    expect(isProviderSideFailure(error({ status: 404 }))).toBe(false);
  });
});
