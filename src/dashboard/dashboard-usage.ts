import type pg from 'pg';
import type { Principal } from '../auth/api-key-store.ts';
import type { UsageRange } from '../usage/usage-params.ts';
import { buildUsageQuery } from '../usage/usage-query.ts';
import { withoutParallelWorkers, type GroupedRow } from '../usage/usage-report.ts';
import type { DashboardBucket } from './dashboard-summary.ts';

/** Who asks: the admin (every project, and the queues) or one project's key. */
export type DashboardScope = { kind: 'admin' } | { kind: 'project'; principal: Principal };

/**
 * Usage by model and time bucket, with each group's latency histogram: the usage API's own query over
 * its rollups, scoped to the key's project unless the admin asks. One read serves the whole page:
 * the per-bucket and total numbers (of every model or of a filter's) are added up from these rows.
 */
export async function readDashboardUsage(options: { pool: pg.Pool; scope: DashboardScope; range: UsageRange; bucket: DashboardBucket }): Promise<GroupedRow[]> {
  const projectId = options.scope.kind === 'project' ? options.scope.principal.projectId : undefined;
  const { text, values } = buildUsageQuery({ range: options.range, groups: ['model', options.bucket], projectId });
  // As the usage API runs it: parallel workers cost more than they save on a few thousand rollup rows.
  return withoutParallelWorkers<GroupedRow>(options.pool, (client) => client.query<GroupedRow>(text, values));
}
