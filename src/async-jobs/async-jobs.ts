import type pg from 'pg';
import { awaitCreation } from '../durability/creation-fence.ts';
import { errorTypeFor } from '../errors/gateway-error.ts';
import type { OperationName, OperationPayload } from '../operations/registry.ts';
import type { RequestFormat } from '../formats/request-format.ts';
import { toEmbeddingsAnswer } from '../operations/embeddings/embeddings-answer.ts';
import type { EmbeddingsVectors } from '../providers/embeddings-schemas.ts';
import type { WebhookNotifier } from '../webhooks/webhook-notifier.ts';
import type { RequestJobData } from '../queues/request-job.ts';
import type { RequestJobLifecycle } from '../workers/request-job-processor.ts';
import type { RequestOutcome } from '../records/result-store.ts';

export type AsyncJobStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

interface JobRow {
  id: string;
  status: string;
  model: string;
  status_code: number | null;
  error_code: string | null;
  error_message: string | null;
  response: unknown;
  operation: OperationName;
  /** The request's `encoding_format` (embeddings): how its vectors are shown. */
  encoding_format: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

const seconds = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : null);

/** The job object `GET /v1/async/chat/completions/{id}` (or `/v1/async/embeddings/{id}`) answers and `job.*` webhooks carry. */
export function toJobObject(row: JobRow) {
  const status = (['queued', 'in_progress', 'completed', 'failed', 'cancelled'].includes(row.status) ? row.status : 'failed') as AsyncJobStatus;
  return {
    id: row.id,
    object: row.operation === 'embeddings' ? ('embeddings.job' as const) : ('chat.completion.job' as const),
    status,
    model: row.model,
    created_at: seconds(row.created_at) ?? 0,
    started_at: seconds(row.started_at),
    completed_at: seconds(row.completed_at),
    response: status === 'completed' ? responseOf(row) : null,
    error:
      status === 'failed'
        ? {
            message: row.error_message ?? 'the job failed',
            // As the sync answer for the same cause (the record keeps the code the client would have read).
            type: errorTypeFor(row.error_code ?? 'provider_error', row.status_code ?? 502),
            param: null,
            code: row.error_code,
            status_code: row.status_code,
          }
        : null,
  };
}

export type AsyncJobObject = ReturnType<typeof toJobObject>;

const jobColumns = "id, status, model, status_code, error_code, error_message, response, operation, request_body->>'encoding_format' AS encoding_format, created_at, started_at, completed_at";

/** The stored answer as the client asked for it (an embeddings job's vectors in base64 when it asked so). */
function responseOf(row: JobRow): unknown {
  if (row.operation !== 'embeddings' || row.response === null) return row.response;
  return toEmbeddingsAnswer(row.response as EmbeddingsVectors, { encoding_format: row.encoding_format === 'base64' ? 'base64' : 'float' });
}

/**
 * Accepted work is recorded before it is queued: the body is kept so it can be re-enqueued, with its
 * format and what translating it from that format could not carry (`warnings` until the outcome
 * writes the whole list), so a job queued again carries them as the first did.
 */
export async function insertAsyncJob(
  pool: pg.Pool | pg.PoolClient,
  job: {
    id: string;
    projectId: string;
    apiKeyId: string;
    format: RequestFormat;
    conversionWarnings?: readonly string[] | undefined;
    webhookUrl: string | null;
    acceptedAt: Date;
    clientRequestId?: string | null;
  } & OperationPayload,
): Promise<AsyncJobObject> {
  const warnings = job.conversionWarnings && job.conversionWarnings.length > 0 ? JSON.stringify(job.conversionWarnings) : null;
  const { rows } = await pool.query<JobRow>(
    `INSERT INTO requests (id, project_id, api_key_id, kind, status, model, request_body, webhook_url, created_at, client_request_id, operation, format, warnings)
     VALUES ($1, $2, $3, 'async', 'queued', $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${jobColumns}`,
    [job.id, job.projectId, job.apiKeyId, job.request.model, JSON.stringify(job.request), job.webhookUrl, job.acceptedAt, job.clientRequestId ?? null, job.operation ?? 'chat', job.format, warnings],
  );
  return toJobObject(rows[0]!);
}

export async function loadAsyncJob(pool: pg.Pool, id: string, projectId: string): Promise<AsyncJobObject | undefined> {
  const { rows } = await pool.query<JobRow>(`SELECT ${jobColumns} FROM requests WHERE id = $1 AND project_id = $2 AND kind = 'async'`, [id, projectId]);
  return rows[0] ? toJobObject(rows[0]) : undefined;
}

/**
 * Cancels a job not settled yet: `cancelled` is final. A queued job is then never started (its worker
 * finds nothing to claim); a call already under way finishes, is billed (the provider charges for it),
 * and its answer is not kept. Undefined when the job is not this project's or has settled.
 */
export async function cancelAsyncJob(pool: pg.Pool, id: string, projectId: string): Promise<AsyncJobObject | undefined> {
  const { rows } = await pool.query<JobRow>(
    `UPDATE requests SET status = 'cancelled', completed_at = now(), error_code = 'cancelled', error_message = 'The job was cancelled.'
     WHERE id = $1 AND project_id = $2 AND kind = 'async' AND status IN ('queued', 'in_progress') RETURNING ${jobColumns}`,
    [id, projectId],
  );
  return rows[0] ? toJobObject(rows[0]) : undefined;
}

/** Worker-side hooks for async jobs; sync jobs pass through untouched. */
export function asyncJobLifecycle(options: { pool: pg.Pool; webhooks: WebhookNotifier }): RequestJobLifecycle {
  return {
    async onStart(data: RequestJobData) {
      if (data.kind !== 'async') return true;
      // The job was queued before its row committed: wait for that, then claim it. No row to claim
      // means it never was accepted (rolled back) or has settled already (a job put back after a loss
      // of Redis, or re-delivered): nothing to run, nothing to bill.
      await awaitCreation(options.pool, data.requestId);
      const { rowCount } = await options.pool.query(
        "UPDATE requests SET status = 'in_progress', started_at = coalesce(started_at, now()) WHERE id = $1 AND kind = 'async' AND status IN ('queued', 'in_progress')",
        [data.requestId],
      );
      return rowCount === 1;
    },
    async onSettled(data: RequestJobData, outcome: RequestOutcome) {
      if (data.kind !== 'async') return;
      const { rows } = await options.pool.query<JobRow>(`SELECT ${jobColumns} FROM requests WHERE id = $1`, [data.requestId]);
      // A job cancelled while its call ran: the caller asked for no answer, and is told of none.
      if (!rows[0] || rows[0].status === 'cancelled') return;
      await options.webhooks.notify({
        projectId: data.projectId,
        url: data.webhookUrl ?? null,
        type: outcome.status === 'completed' ? 'job.completed' : 'job.failed',
        subjectId: data.requestId,
        data: toJobObject(rows[0]),
      });
    },
  };
}
