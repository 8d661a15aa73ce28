import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../gateway-error.ts';
import { bearerToken } from './api-key-auth.ts';

/** Compares digests so the comparison takes the same time whatever the lengths. */
function sameSecret(left: string, right: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(left), digest(right));
}

export function adminAuthHook(adminKey: string) {
  return async function authenticateAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const token = bearerToken(request);
    if (!token || !sameSecret(token, adminKey)) {
      throw new GatewayError({ code: 'invalid_admin_key', message: 'The admin API needs Authorization: Bearer <GATEWAY_ADMIN_KEY>.' });
    }
  };
}
