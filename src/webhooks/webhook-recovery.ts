import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import { jobPresence } from '../durability/job-presence.ts';
import { keysetPages } from '../durability/keyset-pages.ts';
import type { ReconcileTask } from '../durability/reconciler.ts';
import type { QueueRegistry } from '../queues/queue-registry.ts';
import { totalAttempts, webhookJobOptions, webhookQueueName, type WebhookJobData } from '../queues/webhook-queue.ts';

interface PendingDelivery {
  id: string;
  attempts: number;
  due_in_ms: string;
  cursor: string;
}

const pageSize = 1000;

/**
 * Deliveries still due (`pending` in Postgres) whose job Redis does not hold, or holds only as failed
 * for good (e.g. its last attempt's own write to Postgres failed): queued again at their next attempt
 * time, the schedule going on from the attempts already recorded. The worker skips a delivery that is
 * no longer pending, so a delivery restored twice is still sent once per attempt.
 */
export function webhookRecoveryTask(options: { pool: pg.Pool; redis: RedisClient; queues: QueueRegistry; retryScheduleMs: readonly number[] }): ReconcileTask {
  const { pool, redis, queues } = options;
  const queue = () => queues.get<WebhookJobData>(webhookQueueName);

  return {
    name: 'webhook-deliveries',
    async run(context) {
      let restored = 0;
      const pages = keysetPages<PendingDelivery>({
        pageSize,
        stillLeader: context.stillLeader,
        fetch: async (after) =>
          (
            await pool.query<PendingDelivery>(
              // A pending delivery always has its next attempt time (set on insert, on retry and on redelivery).
              `SELECT id, attempts, greatest(0, extract(epoch FROM next_attempt_at - now()) * 1000)::bigint::text AS due_in_ms,
                      next_attempt_at::text || '|' || id AS cursor
               FROM webhook_deliveries
               WHERE status = 'pending' AND next_attempt_at IS NOT NULL
                 AND ($1::text IS NULL OR (next_attempt_at, id) > (split_part($1, '|', 1)::timestamptz, split_part($1, '|', 2)))
               ORDER BY next_attempt_at, id LIMIT ${pageSize}`,
              [after ?? null],
            )
          ).rows,
      });
      for await (const rows of pages) {
        const presence = await jobPresence(
          redis,
          rows.map((row) => queues.jobKey(webhookQueueName, row.id)),
        );
        for (const [index, delivery] of rows.entries()) {
          if (presence[index] === 'pending') continue;
          const data: WebhookJobData = {
            deliveryId: delivery.id,
            retryScheduleMs: [...options.retryScheduleMs],
            // At least one attempt more: a delivery still pending has not been settled by its last one.
            firstAttempt: Math.min(delivery.attempts + 1, totalAttempts(options.retryScheduleMs)),
          };
          if (presence[index] === 'finished') await queue().remove(delivery.id);
          await queue().add('deliver', data, { ...webhookJobOptions(data), delay: Number(delivery.due_in_ms) });
          restored += 1;
        }
      }
      return restored;
    },
  };
}
