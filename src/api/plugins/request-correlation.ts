import type { FastifyInstance } from 'fastify';
import { correlationHeaders, correlationLogFields, readRequestCorrelation, type RequestCorrelation } from '../../observability/request-correlation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's `x-request-id` and `traceparent`, when well-formed (see request-correlation.ts). */
    correlation: RequestCorrelation;
  }
}

/**
 * First thing on every request: reads the caller's correlation headers, binds them to the request's
 * logger (beside `requestId`), and puts the answer's correlation headers — the gateway's `x-request-id`
 * and the caller's echoed values — on the raw response, so every answer carries them: errors, 404s and
 * hijacked SSE streams alike, which never pass through `onSend`.
 */
export function registerRequestCorrelation(app: FastifyInstance): void {
  app.decorateRequest('correlation', undefined as never);
  app.addHook('onRequest', async (request, reply) => {
    const correlation = readRequestCorrelation(request.headers);
    request.correlation = correlation;
    const fields = correlationLogFields(correlation);
    if (Object.keys(fields).length > 0) request.log = request.log.child(fields);
    reply.raw.setHeader('x-request-id', request.id);
    for (const [name, value] of Object.entries(correlationHeaders(correlation))) reply.raw.setHeader(name, value);
  });
}
