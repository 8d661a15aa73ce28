import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleTokenServer } from '../../../test/support/google-token-server.ts';
import { createGoogleAccessToken } from './google-access-token.ts';

/** google-auth-library against a local token endpoint that checks the RS256 JWT with the key's public half. */
describe('createGoogleAccessToken', () => {
  const server = new GoogleTokenServer();
  const json = (overrides: Record<string, unknown> = {}) => ({ kind: 'json' as const, json: server.serviceAccount(overrides), origin: 'test', projectId: 'test-project' });

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('posts the signed JWT to the key’s token_uri and answers a Bearer header; concurrent calls share one token request', async () => {
    const before = server.requests;
    const authorize = createGoogleAccessToken('v', json());
    const headers = await Promise.all(Array.from({ length: 20 }, () => authorize()));
    expect(server.requests - before).toBe(1);
    expect(new Set(headers.map((header) => header['authorization'])).size).toBe(1);
    expect(server.isValid(headers[0]?.['authorization']?.replace('Bearer ', ''))).toBe(true);
    // An hour-long token is reused.
    await authorize();
    expect(server.requests - before).toBe(1);
  });

  it('a token endpoint that does not answer in time fails the call as a retryable timeout', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const authorize = createGoogleAccessToken('v', json({ token_uri: `http://127.0.0.1:${port}/token` }), 200);
    await expect(authorize()).rejects.toMatchObject({ name: 'ProviderError', code: 'timeout', retryable: true });
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a refused key is a non-retryable 401 naming invalid_grant', async () => {
    const stranger = new GoogleTokenServer();
    const authorize = createGoogleAccessToken('v', { kind: 'json', json: stranger.serviceAccount({ token_uri: server.serviceAccount()['token_uri'] }), origin: 'test', projectId: 'p' });
    const error = await authorize().catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ name: 'ProviderError', status: 401, code: 'invalid_grant', retryable: false });
    expect((error as Error).message).toContain('Invalid JWT Signature');
    expect(error).not.toHaveProperty('cause');
  });
});
