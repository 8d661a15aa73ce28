import type pg from 'pg';
import type { OpenGatewayQueue } from '../queues/gateway-queues.ts';
import type { DashboardSummary } from './dashboard-summary.ts';

/** How many batches the page lists. */
export const recentBatchLimit = 10;

/** The newest batches created in [from, to): the project's, or every project's for the admin. */
export async function readRecentBatches(pool: pg.Pool, options: { projectId: string | null; from: Date; to: Date }): Promise<DashboardSummary['batches']> {
  // Served by batches_project_id_created_at_idx for a project; the admin's read scans a small table.
  const { rows } = await pool.query<{ id: string; status: string; created_at: Date; total_count: number; completed_count: number; failed_count: number }>(
    `SELECT id, status, created_at, total_count, completed_count, failed_count
       FROM batches
      WHERE ($1::text IS NULL OR project_id = $1) AND created_at >= $2 AND created_at < $3
      ORDER BY created_at DESC, id DESC
      LIMIT ${recentBatchLimit}`,
    [options.projectId, options.from, options.to],
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    created_at: Math.floor(row.created_at.getTime() / 1000),
    request_counts: { total: row.total_count, completed: row.completed_count, failed: row.failed_count },
  }));
}

export async function readProjectName(pool: pg.Pool, projectId: string): Promise<string | null> {
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM projects WHERE id = $1', [projectId]);
  return rows[0]?.name ?? null;
}

/** Jobs waiting (including by priority), running and scheduled on each provider's chat and batch-chunk queues. */
export async function readQueueDepths(queues: readonly OpenGatewayQueue[]): Promise<NonNullable<DashboardSummary['queues']>> {
  const depth = async (entry: OpenGatewayQueue | undefined) => {
    if (!entry) return { waiting: 0, active: 0, delayed: 0 };
    const counts = await entry.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
  };
  const providers = [...new Set(queues.flatMap((entry) => (entry.provider ? [entry.provider] : [])))];
  return Promise.all(
    providers.map(async (provider) => {
      const [chat, batch] = await Promise.all([
        depth(queues.find((entry) => entry.kind === 'chat' && entry.provider === provider)),
        depth(queues.find((entry) => entry.kind === 'batch-chunk' && entry.provider === provider)),
      ]);
      return { provider, chat, batch };
    }),
  );
}
