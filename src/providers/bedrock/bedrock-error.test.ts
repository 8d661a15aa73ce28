import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBedrockError, parseBedrockStreamException } from './bedrock-error.ts';

/** Converse's documented errors: status, `x-amzn-errortype`, message, and whether a retry can help. */
const documented = JSON.parse(readFileSync(new URL('./__fixtures__/errors.json', import.meta.url), 'utf8')) as Array<{ status: number; type: string; message: string; retryable: boolean }>;

describe('parseBedrockError', () => {
  it.each(documented.map((error) => [error.type, error] as const))('%s keeps its type, message and status, retryable as documented', (_type, error) => {
    const parsed = parseBedrockError({
      provider: 'aws',
      status: error.status,
      headers: { 'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'd2f5b1c4' },
      body: { message: error.message },
    });
    expect(parsed).toMatchObject({ provider: 'aws', status: error.status, type: error.type, code: error.type, message: error.message, retryable: error.retryable });
  });

  it('reads the type from __type when the header is missing, and Message spelled with a capital', () => {
    expect(parseBedrockError({ provider: 'aws', status: 400, headers: {}, body: { __type: 'com.amazon.coral.validate#ValidationException', Message: 'bad' } })).toMatchObject({
      type: 'ValidationException',
      message: 'bad',
      retryable: false,
    });
  });

  it('falls back to the status for an unknown type or a body that is not JSON, and keeps retry-after', () => {
    expect(parseBedrockError({ provider: 'aws', status: 502, headers: { 'retry-after': '2' }, body: '<html>Bad Gateway</html>' })).toMatchObject({
      message: '<html>Bad Gateway</html>',
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(
      parseBedrockError({ provider: 'aws', status: 403, headers: { 'x-amzn-errortype': 'InvalidSignatureException' }, body: { message: 'The request signature we calculated does not match' } }),
    ).toMatchObject({
      status: 403,
      retryable: false,
    });
  });
});

describe('parseBedrockStreamException', () => {
  it.each([
    ['throttlingException', 429, true],
    ['internalServerException', 500, true],
    ['serviceUnavailableException', 503, true],
    ['modelStreamErrorException', 424, false],
    ['validationException', 400, false],
    ['somethingNewException', 500, true],
  ])('%s is a %i (retryable: %s)', (exceptionType, status, retryable) => {
    expect(parseBedrockStreamException({ provider: 'aws', exceptionType, body: { message: 'm' } })).toMatchObject({ status, retryable, message: 'm' });
  });
});
