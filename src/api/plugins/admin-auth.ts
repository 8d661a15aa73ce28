import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/gateway-error.ts';
import { bearerToken } from './api-key-auth.ts';

/** Compares digests so the comparison takes the same time whatever the lengths. */
function sameSecret(left: string, right: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(left), digest(right));
}

/** Whether `token` is the admin key (constant time). */
export function isAdminKey(token: string | undefined, adminKey: string): boolean {
  return token !== undefined && sameSecret(token, adminKey);
}

/** The password of an `Authorization: Basic` header (the user name is ignored). */
export function basicPassword(request: FastifyRequest): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(request.headers.authorization?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

export function adminAuthHook(adminKey: string) {
  return async function authenticateAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (!isAdminKey(bearerToken(request), adminKey)) {
      throw new GatewayError({ code: 'invalid_admin_key', message: 'The admin API needs Authorization: Bearer <GATEWAY_ADMIN_KEY>.' });
    }
  };
}

export const adminBasicRealm = 'gateway admin';

/**
 * For admin pages a browser opens (the queue board): a page cannot send a bearer header, so the
 * admin key is also accepted as the password of HTTP Basic auth, and a refusal asks the browser
 * for it (`WWW-Authenticate`). Answers the 401 itself rather than throwing: the page's plugin may
 * have its own error handler.
 */
export function adminPageAuthHook(adminKey: string) {
  return async function authenticateAdminPage(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (isAdminKey(bearerToken(request), adminKey) || isAdminKey(basicPassword(request), adminKey)) return undefined;
    const error = new GatewayError({
      code: 'invalid_admin_key',
      message: 'This page needs the admin key: as the password of HTTP Basic auth (any user name), or Authorization: Bearer <GATEWAY_ADMIN_KEY>.',
    });
    return reply.code(error.status).header('www-authenticate', `Basic realm="${adminBasicRealm}", charset="UTF-8"`).send(error.toBody());
  };
}
