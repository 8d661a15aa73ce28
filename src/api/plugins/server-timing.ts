import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** `performance.now()` when the request arrived. */
    receivedAt: number;
  }
}

/**
 * `Server-Timing: gateway;dur=<ms>` on every answer: the time spent in this process, from arrival to
 * answer (waiting for the worker included). The standard header browsers and proxies show, and how a
 * client tells network time from gateway time. Streams (hijacked replies) carry none.
 */
export function registerServerTiming(app: FastifyInstance): void {
  app.decorateRequest('receivedAt', 0);
  app.addHook('onRequest', async (request) => {
    request.receivedAt = performance.now();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('server-timing', `gateway;dur=${(performance.now() - request.receivedAt).toFixed(3)}`);
  });
}
