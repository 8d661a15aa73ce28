import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyStore, Principal } from '../../auth/api-key-store.ts';
import { GatewayError } from '../../errors/gateway-error.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API key hook on every `/v1` route. */
    principal: Principal;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim();
}

/** The key as Anthropic's SDKs send it (`x-api-key`), accepted on every route beside the bearer token. */
export function apiKeyHeader(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() || undefined;
}

/**
 * An onRequest hook that resolves the caller's key (`Authorization: Bearer`, or `x-api-key` as the
 * Anthropic SDKs send it), or answers 401 (before the body is read) in the route's error format.
 */
export function apiKeyAuthHook(keyStore: ApiKeyStore) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const token = bearerToken(request) ?? apiKeyHeader(request);
    if (!token) {
      throw new GatewayError({
        code: 'missing_api_key',
        message: "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY' (or 'x-api-key: YOUR_KEY').",
      });
    }
    const principal = await keyStore.authenticate(token);
    if (!principal) {
      throw new GatewayError({ code: 'invalid_api_key', message: `Incorrect API key provided: ${redact(token)}.` });
    }
    request.principal = principal;
  };
}

function redact(token: string): string {
  return token.length <= 8 ? '****' : `${token.slice(0, 4)}****${token.slice(-4)}`;
}
