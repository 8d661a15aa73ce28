import type { FastifyRequest } from 'fastify';
import { insertAsyncJob } from '../async-jobs/async-jobs.ts';
import { inTransaction } from '../db/transaction.ts';
import { fenceCreation } from '../durability/creation-fence.ts';
import { bindRequest, type OperationPayload } from '../operations/registry.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import { assertWebhookUrlAllowed } from '../webhooks/ssrf-guard.ts';
import type { AppDependencies } from './app.ts';
import type { HeldIdempotencyKey } from './idempotency.ts';

/**
 * Plans, admits, records and queues one async request (the async jobs API, background responses): the
 * job object. Recorded and queued together behind a creation fence, so accepted work is never only in
 * Redis and a refused queue leaves nothing half-created.
 */
export async function acceptAsyncJob(
  dependencies: Pick<AppDependencies, 'database' | 'dispatcher' | 'cache' | 'config' | 'tenantLimits'>,
  input: {
    request: FastifyRequest;
    key?: HeldIdempotencyKey | undefined;
    payload: OperationPayload;
    /** The client API the request came in through. */
    format: RequestFormat;
    /** What translating it from that format could not carry: recorded with the job, and with its outcome. */
    conversionWarnings?: readonly string[] | undefined;
    webhookUrl: string | undefined;
  },
) {
  const { request, key, payload, format, conversionWarnings, webhookUrl } = input;
  const pool = dependencies.database.pool;
  const routed = await dependencies.dispatcher.plan({ payload, headers: request.headers });
  // Looked up by the worker: a hit there is recorded and delivered like any answer.
  const cache = dependencies.cache.plan({
    projectId: request.principal.projectId,
    operation: bindRequest(routed).operation,
    request: routed.request,
    routes: routed.routes,
    skipped: routed.trail,
    headers: request.headers,
  });
  if (webhookUrl) await assertWebhookUrlAllowed(webhookUrl, dependencies.config.webhooks);
  // The lease is held until the job ends: the worker releases it when it records the outcome.
  const lease = await dependencies.tenantLimits.admit({
    principal: request.principal,
    requestId: request.id,
    estimatedTokens: () => bindRequest(payload).estimateInputTokens(routed.routes[0]?.upstreamModel),
    kind: 'async',
  });
  const acceptedAt = new Date();
  request.recorded = true;
  // Recorded and queued together (see creation-fence.ts): if the queue refuses, the row is rolled
  // back and the caller gets a 503; nothing is left half-created.
  const job = await inTransaction(pool, async (client) => {
    const inserted = await insertAsyncJob(client, {
      id: request.id,
      projectId: request.principal.projectId,
      apiKeyId: request.principal.apiKeyId,
      ...payload,
      format,
      conversionWarnings,
      webhookUrl: webhookUrl ?? null,
      acceptedAt,
      clientRequestId: request.correlation.clientRequestId ?? null,
    });
    // Committed with the job, so a retry with the key finds both or neither.
    await key?.completeWithin(client, { status: 202, body: inserted });
    await fenceCreation(client, request.id);
    await dependencies.dispatcher.dispatchAsync({
      requestId: request.id,
      principal: request.principal,
      format,
      conversionWarnings,
      ...routed,
      webhookUrl: webhookUrl ?? null,
      acceptedAt: acceptedAt.getTime(),
      cache,
      correlation: request.correlation,
      trace: request.trace,
    });
    return inserted;
  }).catch(async (error: unknown) => {
    // Never accepted: not recorded, so logged as refused.
    request.recorded = false;
    await lease.release();
    throw error;
  });
  return job;
}
