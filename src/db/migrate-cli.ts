import { loadEnvironment } from '../config/env.ts';
import { createLogger } from '../logging/logger.ts';
import { createDatabase } from './client.ts';
import { runMigrations } from './migrate.ts';

const environment = loadEnvironment();
const logger = createLogger(environment.LOG_LEVEL);
const database = createDatabase({ url: environment.DATABASE_URL, maxConnections: 1 });
try {
  await runMigrations(database.pool);
  logger.info('migrations applied');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
