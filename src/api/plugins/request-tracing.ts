import type { FastifyInstance } from 'fastify';
import type { TraceSpan, Tracing } from '../../observability/tracing.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's span (`/v1` routes, tracing on): the parent of its job's spans. Undefined when not traced. */
    trace: TraceSpan | undefined;
  }
}

/**
 * A SERVER span for every request of the scope (the `/v1` API), the child of the caller's
 * `traceparent` when it sent one, ended when the response closes (streams and hijacked answers
 * too) with its status and route. A caller that sent no `traceparent` finds the gateway's trace id as
 * `trace_id` in the request's log lines. Tracing off: no hook at all.
 */
export function registerRequestTracing(scope: FastifyInstance, tracing: Tracing): void {
  scope.decorateRequest('trace', undefined);
  if (!tracing.enabled) return;
  scope.addHook('onRequest', async (request, reply) => {
    const queryAt = request.url.indexOf('?');
    const span = tracing.startRequest({
      method: request.method,
      path: queryAt < 0 ? request.url : request.url.slice(0, queryAt),
      traceparent: request.correlation.traceparent,
      requestId: request.id,
    });
    request.trace = span;
    if (request.correlation.traceparent === undefined && span.traceId !== undefined) request.log = request.log.child({ trace_id: span.traceId });
    reply.raw.once('close', () => span.endResponse({ statusCode: reply.raw.statusCode, route: request.routeOptions.url }));
  });
}
