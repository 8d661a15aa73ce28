import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import { createBatchLinePlanner } from '../batches/plan-batch-line.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { jobPresence } from '../durability/job-presence.ts';
import { keysetPages } from '../durability/keyset-pages.ts';
import type { ReconcileTask } from '../durability/reconciler.ts';
import type { OperationName, OperationPayload } from '../operations/registry.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import type { QueueRegistry } from '../queues/queue-registry.ts';
import { resolveRoutes } from '../routing/resolve-route.ts';
import { requestJobOptionsFor, hopJobId, providerQueueName, type RequestJobData } from '../queues/request-job.ts';
import type { RequestJobLifecycle } from '../workers/request-job-processor.ts';
import type { RequestOutcome, ResultStore } from '../records/result-store.ts';

interface UnsettledJob {
  id: string;
  project_id: string;
  api_key_id: string;
  request_body: OperationPayload['request'];
  operation: OperationName;
  format: RequestFormat;
  /** Until the job settles: what translating it from its format could not carry. */
  warnings: string[] | null;
  webhook_url: string | null;
  created_at: Date;
  cursor: string;
}

const pageSize = 500;

/**
 * Accepted async jobs (`queued` or `in_progress` in Postgres) whose job Redis no longer holds under any
 * of its routes' queues and hop ids, nor holds only as failed for good: queued again from the stored
 * body, planned as a stored request is (the model's strategy, no breakers), marked `restored` so the
 * worker checks for a record first. The worker claims the row before it runs (`asyncJobLifecycle`),
 * so a job that settled meanwhile is not run or billed twice. A job whose model no longer routes is
 * failed with the reason, and its webhook sent.
 */
export function asyncJobRecoveryTask(options: {
  pool: pg.Pool;
  redis: RedisClient;
  queues: QueueRegistry;
  config: GatewayConfig;
  resultStore: Pick<ResultStore, 'record'>;
  lifecycle: RequestJobLifecycle;
}): ReconcileTask {
  const { pool, redis, queues, config } = options;
  const planLine = createBatchLinePlanner({ config });

  /** Every id the job can have in Redis: its request id or a hop id, on any of its model's providers' queues. */
  function candidateKeys(job: UnsettledJob): string[] {
    const routes = resolveRoutes({ model: job.request_body.model, config }) ?? [];
    const providers = routes.length > 0 ? [...new Set(routes.map((route) => route.provider))] : Object.keys(config.providers);
    const hops = Math.max(1, routes.length);
    return providers.flatMap((provider) => Array.from({ length: hops }, (_, hop) => queues.jobKey(providerQueueName(provider), hopJobId(job.id, hop))));
  }

  async function restore(job: UnsettledJob): Promise<void> {
    const planned = await planLine(payloadOf(job));
    const acceptedAt = job.created_at.getTime();
    if (!planned.ok) {
      const failure: RequestOutcome = {
        requestId: job.id,
        kind: 'async',
        projectId: job.project_id,
        apiKeyId: job.api_key_id,
        operation: job.operation,
        format: job.format,
        model: job.request_body.model,
        provider: '',
        upstreamModel: '',
        attempts: 0,
        status: 'failed',
        statusCode: planned.statusCode,
        errorCode: planned.code,
        errorMessage: `${planned.message} (the job was restored after its queue lost it, and can no longer be routed)`,
        acceptedAt: job.created_at,
        startedAt: new Date(),
        completedAt: new Date(),
        warnings: job.warnings ?? undefined,
      };
      await options.resultStore.record(failure);
      await options.lifecycle.onSettled(jobData(job, [], acceptedAt), failure);
      return;
    }
    const data = jobData(job, planned.routes, acceptedAt, planned);
    const provider = planned.routes[0]?.provider ?? '';
    const queue = queues.get<RequestJobData>(providerQueueName(provider));
    const opts = requestJobOptionsFor(data, config);
    // A hash kept from a failure for good holds the id: make room.
    await queue.remove(String(opts.jobId));
    await queue.add('chat', data, opts);
  }

  return {
    name: 'async-jobs',
    async run(context) {
      let restored = 0;
      const pages = keysetPages<UnsettledJob>({
        pageSize,
        stillLeader: context.stillLeader,
        fetch: async (after) =>
          (
            await pool.query<UnsettledJob>(
              `SELECT id, project_id, api_key_id, request_body, operation, format, warnings, webhook_url, created_at, created_at::text || '|' || id AS cursor
               FROM requests
               WHERE kind = 'async' AND status IN ('queued', 'in_progress')
                 AND ($1::text IS NULL OR (created_at, id) > (split_part($1, '|', 1)::timestamptz, split_part($1, '|', 2)))
               ORDER BY created_at, id LIMIT ${pageSize}`,
              [after ?? null],
            )
          ).rows,
      });
      for await (const rows of pages) {
        const keysPerJob = rows.map(candidateKeys);
        const presence = await jobPresence(redis, keysPerJob.flat());
        let offset = 0;
        for (const [index, job] of rows.entries()) {
          const count = keysPerJob[index]?.length ?? 0;
          const held = presence.slice(offset, offset + count).some((state) => state === 'pending');
          offset += count;
          if (held || job.request_body === null) continue;
          await restore(job);
          restored += 1;
        }
      }
      return restored;
    },
  };
}

/** The job of a stored async request; `planned`: its body as planned (the gateway's `provider` pin taken out). */
function jobData(job: UnsettledJob, routes: RequestJobData['routes'], acceptedAt: number, planned: OperationPayload = payloadOf(job)): RequestJobData {
  const payload: OperationPayload = planned.operation === 'embeddings' ? { operation: 'embeddings', request: planned.request } : { operation: 'chat', request: planned.request };
  return {
    requestId: job.id,
    kind: 'async',
    projectId: job.project_id,
    apiKeyId: job.api_key_id,
    model: job.request_body.model,
    format: job.format,
    ...(job.warnings && job.warnings.length > 0 ? { conversionWarnings: job.warnings } : {}),
    routes,
    routeIndex: 0,
    ...payload,
    replyTo: null,
    acceptedAt,
    webhookUrl: job.webhook_url,
    restored: true,
  };
}

/** The stored body with its operation, as the job union wants it. */
function payloadOf(job: Pick<UnsettledJob, 'request_body' | 'operation'>): OperationPayload {
  return job.operation === 'embeddings'
    ? { operation: 'embeddings', request: job.request_body as Extract<OperationPayload, { operation: 'embeddings' }>['request'] }
    : { operation: 'chat', request: job.request_body as Extract<OperationPayload, { operation?: 'chat' }>['request'] };
}
