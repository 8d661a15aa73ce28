import type pg from 'pg';
import type { Principal } from '../auth/api-key-store.ts';
import type { UsageRange } from '../usage/usage-params.ts';
import { queryUsage } from '../usage/usage-report.ts';
import type { DashboardBucket, UsageRow } from './dashboard-summary.ts';

/** Who asks: the admin (every project, and the queues) or one project's key. */
export type DashboardScope = { kind: 'admin' } | { kind: 'project'; principal: Principal };

/**
 * Usage by time bucket (with the period's total), and by bucket and model: the usage API's own
 * query over its rollups, scoped to the key's project unless the admin asks.
 */
export async function readDashboardUsage(options: {
  pool: pg.Pool;
  scope: DashboardScope;
  range: UsageRange;
  bucket: DashboardBucket;
}): Promise<{ byTime: { data: UsageRow[]; total: UsageRow }; byTimeAndModel: UsageRow[] }> {
  const projectId = options.scope.kind === 'project' ? options.scope.principal.projectId : undefined;
  const [byTime, byTimeAndModel] = await Promise.all([
    queryUsage(options.pool, { range: options.range, groups: [options.bucket], projectId }),
    queryUsage(options.pool, { range: options.range, groups: ['model', options.bucket], projectId }),
  ]);
  return { byTime: { data: byTime.data, total: byTime.total }, byTimeAndModel: byTimeAndModel.data };
}
