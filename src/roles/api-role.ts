import { randomBytes } from 'node:crypto';
import { redisTargetOf } from '../config/redis-target.ts';
import type { FastifyServerFactory } from 'fastify';
import { RequestDispatcher } from '../api/request-dispatcher.ts';
import { buildApp } from '../api/app.ts';
import { SyncRequests } from '../api/sync-requests.ts';
import { IdempotentRequests } from '../api/idempotency.ts';
import { BatchApi } from '../batches/batch-api.ts';
import { ApiKeyStore } from '../auth/api-key-store.ts';
import type { Environment } from '../config/env.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import { ReplyListener } from '../queues/reply-channel.ts';
import { ResultStore } from '../records/result-store.ts';
import { createRoutingSignals } from '../routing/routing-signals.ts';
import { startTenantAdmission } from '../limits/tenant/tenant-limits-wiring.ts';
import { openRedis } from '../redis/redis-connections.ts';
import type { Shutdown } from '../durability/shutdown.ts';
import { PostgresHealth } from '../durability/postgres-health.ts';
import { createReadiness } from '../durability/readiness.ts';
import type { SharedServices } from './shared-services.ts';
import type { Tracing } from '../observability/tracing.ts';

/**
 * The API role (`api`, or `all`): the HTTP app and what it needs — API keys, the request dispatcher
 * and its reply channel, tenant admission, batches — built here, the composition root of the API, and
 * handed to the routes. Returns the app, ready (not listening), and the admin key.
 */
export async function startApiRole(options: {
  environment: Environment;
  config: GatewayConfig;
  logger: Logger;
  prefix: string;
  shared: SharedServices;
  shutdown: Shutdown;
  closers: Array<() => Promise<unknown>>;
  /** Spans of this process's requests and jobs. */
  tracing: Tracing;
  serverFactory: FastifyServerFactory | undefined;
}): Promise<{ app: ReturnType<typeof buildApp>; adminKey: string }> {
  const { environment, config, logger, prefix, shutdown, closers } = options;
  const { database, webhooks, cache, settled, processMetrics, metrics, durability } = options.shared;
  const adminKey = environment.GATEWAY_ADMIN_KEY ?? randomBytes(24).toString('base64url');
  if (!environment.GATEWAY_ADMIN_KEY) {
    // The key never goes into the log stream (shipped, kept, read by others): main.ts shows it on a terminal.
    logger.warn('GATEWAY_ADMIN_KEY is not set: the admin API takes a key generated for this run only (shown on an interactive terminal, never logged)');
  }
  // Auto-pipelining: the enqueues (and the odd PUBLISH or PING) of one event-loop turn go out in one
  // socket write; one write per request cost more CPU than BullMQ's whole add. Each command still
  // succeeds or fails on its own.
  const redis = openRedis(redisTargetOf(environment), { maxRetriesPerRequest: 2, connectionName: `${prefix}-api`, enableAutoPipelining: true }, logger);
  const subscriber = openRedis(redisTargetOf(environment), { maxRetriesPerRequest: null, connectionName: `${prefix}-api-sub` }, logger);
  closers.push(
    () => redis.quit(),
    () => subscriber.quit(),
  );
  const replies = await ReplyListener.start(subscriber, prefix);
  const keyStore = new ApiKeyStore({ db: database.db, redis, prefix });
  await keyStore.listen(subscriber);
  const apiSignals = createRoutingSignals({ config, redis, prefix, logger });
  const postgresHealth = new PostgresHealth({ pool: database.pool, logger });
  postgresHealth.start();
  closers.push(async () => postgresHealth.close());
  const dispatcher = new RequestDispatcher({
    postgres: postgresHealth,
    config,
    redis,
    prefix,
    replies,
    requestTimeoutMs: config.server.requestTimeoutMs,
    logger,
    signals: apiSignals,
  });
  closers.push(
    () => dispatcher.close(),
    () => replies.close(),
  );
  // Sync calls have no record until they settle: this process queues their jobs again itself.
  durability.watcher.onLoss(async () => {
    await dispatcher.restoreWaiting();
  });
  shutdown.onDeadline(async () => {
    await dispatcher.giveUpWaiting();
  });
  // Cache hits are answered by this process: their records are written here, behind the answers.
  const hitRecorder = new ResultStore(database.db, { settled, outage: { maxWaitMs: config.durability.outageWaitMs, logger, what: 'cache hit records' } });
  closers.push(() => hitRecorder.flush());
  const tenantLimits = await startTenantAdmission({ pool: database.pool, redis, subscriber, prefix, logger, requestTimeoutMs: config.server.requestTimeoutMs });

  const syncRequests = new SyncRequests({ dispatcher, cache, tenantLimits, hitRecorder, logger });
  const batches = new BatchApi({ pool: database.pool, redis, prefix, config, logger });
  closers.push(() => batches.close());

  const readiness = createReadiness({ pool: database.pool, redis, shutdown });
  processMetrics.setReadiness(readiness);
  const app = buildApp({
    config,
    database,
    redis,
    prefix,
    keyStore,
    dispatcher,
    breakers: apiSignals.breakers,
    tenantLimits,
    webhooks,
    cache,
    syncRequests,
    batches,
    idempotency: new IdempotentRequests({ pool: database.pool, requestTimeoutMs: config.server.requestTimeoutMs }),
    adminKey,
    metrics,
    logger,
    readiness,
    tracing: options.tracing,
    // The server listening since start-up: the port never refuses a connection in between.
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
  });
  // Closed first (closers run in reverse): stop accepting, let in-flight requests get their replies.
  closers.push(() => app.close());
  await app.ready();
  return { app, adminKey };
}
