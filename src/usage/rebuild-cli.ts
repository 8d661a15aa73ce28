/**
 * `npm run usage:rebuild -- --from <time> [--to <time>]`: recomputes the usage rollups of a range from
 * the `requests` and `usage` tables (after fixing those rows by hand, or to fill in the history that
 * predates the rollups). Times as the usage API takes them: ISO 8601 or Unix seconds.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadEnvironment } from '../config/env.ts';
import { createDatabase } from '../db/client.ts';
import { createLogger } from '../logging/logger.ts';
import { rebuildUsageRollups } from './rebuild-usage-rollups.ts';
import { parseUsageTime } from './usage-params.ts';

function time(value: string): Date {
  const date = parseUsageTime(value);
  if (!date) throw new InvalidArgumentError('expected an ISO 8601 time with an offset, a date (2024-06-01) or Unix seconds');
  return date;
}

const program = new Command('usage:rebuild')
  .description('Recompute the usage rollups of a time range from the requests and usage tables.')
  .requiredOption('--from <time>', 'start of the range (rounded down to the hour)', time)
  .option('--to <time>', 'end of the range (rounded up to the hour); default: now', time)
  .parse();
const options = program.opts<{ from: Date; to?: Date }>();

const environment = loadEnvironment();
const logger = createLogger(environment.LOG_LEVEL === 'silent' ? 'silent' : 'info');
const database = createDatabase({ url: environment.DATABASE_URL, maxConnections: 1, applicationName: 'usage-rebuild' });
try {
  const started = Date.now();
  const result = await rebuildUsageRollups(database.pool, { from: options.from, to: options.to ?? new Date() });
  logger.info(
    { from: result.from.toISOString(), to: result.to.toISOString(), requests: result.requests, hourlyRows: result.hourlyRows, dailyRows: result.dailyRows, ms: Date.now() - started },
    'usage rollups rebuilt',
  );
} catch (error) {
  logger.fatal({ err: error }, 'usage rollup rebuild failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
