import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { webhookAttempts, webhookDeliveries, type WebhookDeliveryStatus } from '../db/schema/webhooks.ts';

/** The delivery log in Postgres: one row per delivery, one per attempt. */

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type NewWebhookDelivery = Pick<typeof webhookDeliveries.$inferInsert, 'id' | 'projectId' | 'eventType' | 'subjectId' | 'url' | 'payload'>;

/** False when the delivery exists already (same deterministic id): the event was recorded before. */
export async function insertDelivery(db: Database, delivery: NewWebhookDelivery): Promise<boolean> {
  const inserted = await db
    .insert(webhookDeliveries)
    .values({ ...delivery, status: 'pending', nextAttemptAt: new Date() })
    .onConflictDoNothing({ target: webhookDeliveries.id })
    .returning({ id: webhookDeliveries.id });
  return inserted.length > 0;
}

/** With `projectId`, another project's delivery is not found (tenancy). */
export async function findDelivery(db: Database, id: string, projectId?: string): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), projectId === undefined ? undefined : eq(webhookDeliveries.projectId, projectId)));
  return row;
}

export async function listAttempts(db: Database, deliveryId: string): Promise<WebhookAttemptRow[]> {
  return db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId)).orderBy(asc(webhookAttempts.attempt), asc(webhookAttempts.id));
}

/**
 * Newest first, OpenAI-style: `after` is the id of the last item of the previous page. Undefined when
 * `after` names no delivery of the project. The cursor is compared in SQL: created_at has microseconds,
 * which a JS Date would round away.
 */
export async function listDeliveries(
  db: Database,
  query: { projectId: string; subjectId?: string | undefined; after?: string | undefined; limit: number },
): Promise<{ rows: WebhookDeliveryRow[]; hasMore: boolean } | undefined> {
  if (query.after !== undefined && !(await findDelivery(db, query.after, query.projectId))) return undefined;
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.projectId, query.projectId),
        query.subjectId === undefined ? undefined : eq(webhookDeliveries.subjectId, query.subjectId),
        query.after === undefined ? undefined : sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (SELECT created_at, id FROM webhook_deliveries WHERE id = ${query.after})`,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(query.limit + 1);
  return { rows: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
}

export interface AttemptRecord {
  deliveryId: string;
  /** The delivery's status after this attempt. */
  status: WebhookDeliveryStatus;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** When the next retry runs; null when none will. */
  nextAttemptAt: Date | null;
}

/** Appends the attempt and updates the delivery in one transaction; resolves to the attempt's number. */
export async function recordAttempt(db: Database, record: AttemptRecord): Promise<number> {
  return db.transaction(async (transaction) => {
    const [updated] = await transaction
      .update(webhookDeliveries)
      .set({
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        status: record.status,
        lastStatusCode: record.statusCode,
        lastError: record.error,
        nextAttemptAt: record.nextAttemptAt,
        ...(record.status === 'delivered' ? { deliveredAt: new Date() } : {}),
      })
      .where(eq(webhookDeliveries.id, record.deliveryId))
      .returning({ attempts: webhookDeliveries.attempts });
    if (!updated) throw new Error(`webhook delivery ${record.deliveryId} not found`);
    await transaction.insert(webhookAttempts).values({
      deliveryId: record.deliveryId,
      attempt: updated.attempts,
      statusCode: record.statusCode,
      latencyMs: Math.round(record.latencyMs),
      error: record.error,
    });
    return updated.attempts;
  });
}

/** Back to pending for a redelivery; its attempts so far stay in the log and numbering continues. */
export async function markPending(db: Database, id: string): Promise<void> {
  await db.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: new Date() }).where(eq(webhookDeliveries.id, id));
}
