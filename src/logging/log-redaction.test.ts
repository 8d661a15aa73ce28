import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { ProviderError } from '../errors/provider-error.ts';
import { KnownSecrets, isSecretFieldName, scrubSecretText, secretsOf } from './log-redaction.ts';

/** A logger writing into an array, and its lines parsed. */
function capture(secrets?: KnownSecrets) {
  const lines: string[] = [];
  const logger = createLogger('trace', { destination: { write: (line: string) => void lines.push(line) }, ...(secrets ? { secrets } : {}) });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('log redaction', () => {
  it("censors credential fields by name at any depth, in bindings too, without touching the caller's object", () => {
    const { logger, lines, parsed } = capture();
    const logged = {
      call: { upstream: { request: { headers: { Authorization: 'opaque-deep', 'X-Api-Key': 'opaque-deep-2', 'x-amz-security-token': 'opaque-deep-4' } } } },
      list: [{ token: 'opaque-deep-3' }],
      bedrock: { secretAccessKey: 'opaque-aws-1', sessionToken: 'opaque-aws-2' },
    };
    const circular: Record<string, unknown> = { name: 'loop', password: 'opaque-in-cycle' };
    circular.self = circular;
    const shared = { authorization: 'opaque-shared' };
    const error = Object.assign(new Error('nested'), { apiKey: 'opaque-error' });
    logger.child({ webhookSecret: 'opaque-binding' }).info({ ...logged, circular, first: { shared }, second: { shared }, error }, 'deep');
    expect(lines.join('')).not.toMatch(/opaque-/);
    expect(logged.call.upstream.request.headers.Authorization).toBe('opaque-deep');
    expect(parsed()[0]).toMatchObject({ webhookSecret: '[redacted]', error: { type: 'Error', message: 'nested', apiKey: '[redacted]' }, circular: { name: 'loop' } });
  });

  it('redacts credential fields by name, at the top and one level down', () => {
    const { logger, lines, parsed } = capture();
    logger.info(
      {
        authorization: 'opaque-1',
        apiKey: 'opaque-2',
        key: 'opaque-3',
        adminKey: 'opaque-4',
        provider: { apiKey: 'opaque-5', 'api-key': 'opaque-6', secret: 'opaque-7' },
        req: { headers: { authorization: 'opaque-8', 'content-type': 'application/json' } },
        headers: { 'x-api-key': 'opaque-9', 'x-goog-api-key': 'opaque-10' },
        apiKeyId: 'key_visible',
      },
      'fields',
    );
    expect(lines.join('')).not.toMatch(/opaque-/);
    expect(parsed()[0]).toMatchObject({ apiKeyId: 'key_visible', req: { headers: { 'content-type': 'application/json' } } });
  });

  it('serialises a provider error without the headers its cause carries, at any depth', () => {
    const { logger, lines, parsed } = capture();
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', options: { headers: { authorization: 'Bearer opaque-cause-token', 'x-api-key': 'opaque-11' } } });
    const error = Object.assign(new ProviderError({ provider: 'openai', message: 'cannot reach provider', cause }), {
      request: { path: '/v1/chat/completions', headers: { 'api-key': 'opaque-12', accept: 'application/json' } },
    });
    logger.error({ err: error }, 'provider call failed');
    expect(lines.join('')).not.toMatch(/opaque-/);
    expect(parsed()[0]?.err).toMatchObject({
      type: 'ProviderError',
      message: 'cannot reach provider: connect ECONNREFUSED',
      provider: 'openai',
      request: { path: '/v1/chat/completions', headers: { 'api-key': '[redacted]', accept: 'application/json' } },
    });
  });

  it('censors credential-shaped text anywhere in a line, messages and bindings included', () => {
    const { logger, lines } = capture();
    const child = logger.child({ note: 'called with Bearer sk-proj-AbCdEfGhIjKlMnOpQrStUv' });
    child.warn(`key gw-${'A'.repeat(32)} and secret whsec_${'B'.repeat(40)} and AIza${'C'.repeat(35)}`);
    const text = lines.join('');
    expect(text).not.toMatch(/AbCdEfGh|AAAAAAAA|BBBBBBBB|CCCCCCCC/);
    expect(text).toContain('Bearer [redacted]');
    expect(text).toContain('gw-[redacted]');
    expect(text).toContain('whsec_[redacted]');
  });

  it('names Google credentials as secrets: a key’s private_key, inline credentials, a signed assertion', () => {
    expect(['private_key', 'privateKey', 'credentials', 'assertion'].filter((name) => !isSecretFieldName(name))).toEqual([]);
    expect(isSecretFieldName('credentialsFile')).toBe(false);
  });

  it('leaves ordinary text alone', () => {
    const ordinary = 'task-assessment-model-0123456789abcdef risk-0123456789abcdefgh gw-api gwtest_abc-worker Bearer <GATEWAY_ADMIN_KEY>';
    expect(scrubSecretText(ordinary)).toBe(ordinary);
  });

  it('censors known secret values of any shape, also as escaped inside JSON strings', () => {
    const secrets = new KnownSecrets();
    const azureKey = '0123456789abcdef0123456789abcdef';
    const quoted = 'pa"ss\\word-0123';
    secrets.add(azureKey, quoted, 'short');
    const { logger, lines } = capture(secrets);
    logger.info({ detail: `upstream said: invalid key ${azureKey}`, password2: quoted, word: 'short' }, 'known secrets');
    const text = lines.join('');
    expect(text).not.toContain(azureKey);
    expect(text).not.toContain(JSON.stringify(quoted).slice(1, -1));
    // Too short to censor without censoring words.
    expect(text).toContain('"word":"short"');
  });

  it('collects the secrets of a config and an environment', () => {
    const secrets = secretsOf({
      providers: { a: { apiKey: 'provider-key-1', headers: { 'api-key': 'header-key-2' } }, b: {}, aws: { secretAccessKey: 'aws-secret-key-3', sessionToken: 'aws-session-token-4' } },
      urls: ['postgres://gateway:db%20password@db:5432/gw', 'redis://127.0.0.1:6379', undefined, 'not a url'],
      adminKey: 'admin-key-0123456789',
    });
    expect(secrets.sort()).toEqual(['admin-key-0123456789', 'aws-secret-key-3', 'aws-session-token-4', 'db password', 'header-key-2', 'provider-key-1']);
  });
});
