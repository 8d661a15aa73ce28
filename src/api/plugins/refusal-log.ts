import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the request has a record of its own (queued, or answered from the cache): its outcome is logged and counted when it settles. */
    recorded: boolean;
  }
}

/**
 * Counts every HTTP answer (`gateway_http_responses_total`, by route pattern and status class) and
 * logs one `request refused` line for a `/v1` request answered with an error before it had a record
 * (bad body, unknown model, key or rate limit): those never produce a `request settled` line, and
 * operators still need to see them. Requests with a record are logged once, when they settle.
 */
export function registerRefusalLog(app: FastifyInstance, metrics: Pick<GatewayMetrics, 'observeHttp'>): void {
  app.decorateRequest('recorded', false);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    metrics.observeHttp({ method: request.method, route, statusCode: reply.statusCode });
    if (reply.statusCode < 400 || request.recorded || !route?.startsWith('/v1/')) return;
    const principal = request.principal as { apiKeyId?: string; projectId?: string } | undefined;
    // `requestId` (and the caller's correlation) come bound with the request's logger.
    request.log.info(
      {
        keyId: principal?.apiKeyId,
        projectId: principal?.projectId,
        method: request.method,
        route,
        statusCode: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime),
      },
      'request refused',
    );
  });
}
