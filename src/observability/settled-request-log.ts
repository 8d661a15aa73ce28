import type { Logger } from '../logging/logger.ts';
import type { SettledRequest, SettledRequestListener } from './settled-requests.ts';

/** The fields of a `request settled` line: identifiers (the key's id, never the key), outcome, timings, usage. */
export function requestLogFields(request: SettledRequest) {
  return {
    requestId: request.requestId,
    // Only when the caller sent them; `trace_id` as OpenTelemetry spells it (see request-correlation.ts).
    ...(request.clientRequestId ? { clientRequestId: request.clientRequestId } : {}),
    ...(request.traceId ? { trace_id: request.traceId } : {}),
    kind: request.kind,
    operation: request.operation ?? 'chat',
    format: request.format,
    keyId: request.apiKeyId,
    projectId: request.projectId,
    model: request.model,
    provider: request.provider,
    upstreamModel: request.upstreamModel,
    status: request.status,
    statusCode: request.statusCode,
    errorCode: request.errorCode,
    latencyMs: request.latencyMs,
    queueWaitMs: request.queueWaitMs,
    providerLatencyMs: request.providerLatencyMs,
    promptTokens: request.usage?.promptTokens ?? null,
    cachedPromptTokens: request.usage?.cachedPromptTokens ?? null,
    completionTokens: request.usage?.completionTokens ?? null,
    cost: request.usage?.cost ?? null,
    costSaved: request.usage?.costSaved ?? null,
    cacheStatus: request.cacheStatus,
    streamed: request.streamed,
    attempts: request.attempts,
    batchId: request.batchId,
  };
}

/**
 * The request log: one JSON line per settled request (`msg: "request settled"`), written by the
 * process that committed it. Sync and async requests log at `info`; batch lines at `debug`, since a
 * batch of 100,000 lines would otherwise write 100,000 lines (the batch itself is in Postgres and
 * its lines are readable through the batch and usage APIs).
 */
export function createRequestLog(logger: Logger): SettledRequestListener {
  const log = logger.child({ component: 'requests' });
  return (requests) => {
    for (const request of requests) {
      if (request.kind === 'batch') {
        if (log.isLevelEnabled('debug')) log.debug(requestLogFields(request), 'request settled');
      } else {
        log.info(requestLogFields(request), 'request settled');
      }
    }
  };
}
