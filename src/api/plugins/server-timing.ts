import type { FastifyInstance } from 'fastify';
import { serverTimingHeader, type ServerTimings } from '../server-timings.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** `performance.now()` when the request arrived. */
    receivedAt: number;
    /** Where the time went, when the route knows (a sync call answered by a worker). */
    serverTimings: ServerTimings | undefined;
  }
}

/**
 * `Server-Timing: gateway;dur=<ms>` on every answer: the time spent in this process, from arrival to
 * answer (waiting for the worker included). The standard header browsers and proxies show, and how a
 * client tells network time from gateway time. A sync call answered by a worker also names its parts
 * (`enqueue`, `queue`, `prepare`, `limits`, `provider`, `record`). Streams (hijacked replies) carry none.
 */
export function registerServerTiming(app: FastifyInstance): void {
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('serverTimings', undefined);
  app.addHook('onRequest', async (request) => {
    request.receivedAt = performance.now();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('server-timing', serverTimingHeader(performance.now() - request.receivedAt, request.serverTimings));
  });
}
