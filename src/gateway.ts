import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { RequestDispatcher } from './api/request-dispatcher.ts';
import { buildApp } from './api/app.ts';
import { SyncRequests } from './api/sync-requests.ts';
import { BatchApi } from './batches/batch-api.ts';
import { ApiKeyStore } from './auth/api-key-store.ts';
import type { Environment } from './config/env.ts';
import type { GatewayConfig } from './config/gateway-config.ts';
import { createDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import type { Logger } from './logger.ts';
import { createProviderClients } from './providers/provider-registry.ts';
import { startProviderWorkers, type ProviderWorkerPool } from './workers/provider-workers.ts';
import { createProviderLimits } from './limits/provider/provider-limits.ts';
import { startBatchWorkers } from './batches/batch-workers.ts';
import { asyncJobLifecycle } from './async-jobs/async-jobs.ts';
import { createWebhookNotifier, type WebhookService } from './webhooks/webhook-notifier-postgres.ts';
import { startWebhookWorker } from './webhooks/webhook-worker.ts';
import { ReplyListener } from './queues/reply-channel.ts';
import { GatewayCache } from './cache/gateway-cache.ts';
import { ResponseCache } from './cache/response-cache.ts';
import { SettledRequests } from './observability/settled-requests.ts';
import { createRequestLog } from './observability/settled-request-log.ts';
import { startProcessMetrics } from './metrics/process-metrics.ts';
import { ResultStore } from './records/result-store.ts';
import { createRoutingSignals } from './routing/routing-signals.ts';
import { createTenantWorkerLimits, startTenantAdmission } from './limits/tenant/tenant-limits-wiring.ts';
import { startDurability } from './durability/durability-wiring.ts';
import { openRedis } from './redis/redis-connections.ts';
import { Shutdown } from './durability/shutdown.ts';
import { PostgresHealth } from './durability/postgres-health.ts';
import { createReadiness } from './durability/readiness.ts';
import { withinTime } from './durability/time-limit.ts';
import { beginProcessStartup } from './startup/process-startup.ts';
import { guardDeployment } from './startup/deployment-guard.ts';

/** How long past the drain deadline one shutdown step may take before the next one runs. */
const closeStepGraceMs = 5000;

export interface GatewayOptions {
  environment: Environment;
  config: GatewayConfig;
  logger: Logger;
  /** Listen on HOST:PORT (the default); tests drive the app through `inject()` instead. */
  listen?: boolean;
  /** Aborted (SIGTERM/SIGINT) while starting: stop waiting and reject with StartupAbortedError. */
  signal?: AbortSignal;
  /**
   * A running process must stop: another deployment took its Redis prefix (after Redis lost its data).
   * Without it, the error is only logged.
   */
  onFatal?: (error: Error) => void;
}

export interface Gateway {
  /** The fastify app when the role serves the API. */
  app: ReturnType<typeof buildApp> | undefined;
  /** `http://host:port` once listening. */
  url: string | undefined;
  adminKey: string;
  /** `http://host:port` of the `METRICS_PORT` metrics server, when the environment asks for one. */
  metricsUrl: string | undefined;
  /** Webhook events, in every role: batch finalisation and async jobs (workers) send them too. */
  webhooks: WebhookService;
  close(): Promise<void>;
}

/**
 * Wires one gateway process for its role: `api` (HTTP + enqueue), `worker` (provider queues) or
 * `all`. It listens first (probes only), waits for Postgres and Redis, refuses a Redis prefix that
 * another deployment holds, then runs the migrations (every role, serialised by an advisory lock)
 * and builds the rest.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { environment, config, logger, signal } = options;
  const role = environment.GATEWAY_ROLE;
  const prefix = environment.REDIS_PREFIX;
  const startup = await beginProcessStartup({ environment, logger, listen: options.listen ?? true });
  const closers: Array<() => Promise<unknown>> = [];
  const shutdown = new Shutdown({ shutdownTimeoutMs: config.server.shutdownTimeoutMs, drainDelayMs: config.server.drainDelayMs, logger });
  let listening = false;
  let closing: Promise<void> | undefined;
  // Idempotent: SIGTERM then SIGINT, or a test and its teardown, may both ask.
  const closeAll = () =>
    (closing ??= (async () => {
      shutdown.begin();
      // Readiness says `draining` from now; load balancers polling it stop routing before the listener closes.
      if (listening && shutdown.drainDelayMs > 0) await sleep(shutdown.drainDelayMs);
      // Each step gets until the drain deadline, then a few seconds more: one that hangs (a connection
      // that never comes back) must not keep the rest from closing.
      for (const close of closers.reverse()) {
        await withinTime(close(), shutdown.remainingMs + closeStepGraceMs, `shutdown step ${close.toString().slice(0, 80)}`).catch((error: unknown) =>
          logger.error({ err: error }, 'error during shutdown'),
        );
      }
      shutdown.finish();
    })());
  closers.push(() => startup.close());

  try {
    await startup.awaitDependencies({ timeoutMs: config.server.startupTimeoutMs, ...(signal ? { signal } : {}) });
    startup.enter('migrating', signal);
    const database = createDatabase({
      url: environment.DATABASE_URL,
      maxConnections: environment.DATABASE_POOL_MAX,
      applicationName: `llm-gateway-${role}`,
      logger,
    });
    closers.push(() => database.close());
    await runMigrations(database.pool);
    logger.info('database migrations applied');
    startup.enter('starting-services', signal);
    // Before anything is written under the prefix: it must be this deployment's.
    const deployment = await guardDeployment({ pool: database.pool, redisUrl: environment.REDIS_URL, prefix, logger });
    closers.push(() => deployment.close());

    // Its own connection, so notify() fails fast (maxRetriesPerRequest) in either role's callers.
    const webhookRedis = openRedis(environment.REDIS_URL, { maxRetriesPerRequest: 2, connectionName: `${prefix}-webhooks` }, logger);
    closers.push(() => webhookRedis.quit());
    const webhooks = createWebhookNotifier({
      db: database.db,
      redis: webhookRedis,
      prefix,
      logger: logger.child({ component: 'webhooks' }),
      retryScheduleMs: config.webhooks.retryScheduleMs,
    });
    closers.push(() => webhooks.close());

    // The response cache: its own connection (and, with CACHE_REDIS_URL, its own Redis that may evict).
    const cacheRedis = openRedis(environment.CACHE_REDIS_URL ?? environment.REDIS_URL, {
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
      connectionName: `${prefix}-cache`,
      variable: environment.CACHE_REDIS_URL ? 'CACHE_REDIS_URL' : 'REDIS_URL',
    }, logger);
    closers.push(() => cacheRedis.quit());
    const cache = new GatewayCache(
      config,
      new ResponseCache({ redis: cacheRedis, prefix, logger: logger.child({ component: 'cache' }), maxEntryBytes: config.cache.maxEntryBytes }),
    );

    // Every committed outcome of this process, for metrics and the request log.
    const settled = new SettledRequests(logger);
    // Prometheus metrics (GET /metrics, or METRICS_PORT) and the request log watch every outcome.
    await startup.releaseMetricsPort();
    const processMetrics = await startProcessMetrics({ config, environment, prefix, logger });
    closers.push(() => processMetrics.close());
    const { metrics } = processMetrics;
    settled.subscribe(metrics.observeSettled);
    settled.subscribe(createRequestLog(logger));

    // Postgres is the record, Redis a cache of work: the reconciler puts back what Redis lost.
    const durability = await startDurability({ environment, config, database, prefix, logger, webhooks, settled, metrics });
    closers.push(() => durability.close());
    // The prefix's registration goes with the rest of Redis's data: claimed again after each loss.
    deployment.keepClaimed(durability.watcher, (error) => (options.onFatal ? options.onFatal(error) : logger.error({ err: error }, error.message)));

    let pool: ProviderWorkerPool | undefined;
    if (role === 'worker' || role === 'all') {
      const workerRedis = openRedis(environment.REDIS_URL, { maxRetriesPerRequest: null, connectionName: `${prefix}-worker` }, logger);
      closers.push(() => workerRedis.quit());
      processMetrics.setReadiness(createReadiness({ pool: database.pool, redis: workerRedis, shutdown }));
      const providers = createProviderClients(config);
      closers.push(() => Promise.all([...providers.values()].map((provider) => provider.close())));
      // Breakers and latencies: pipelined, and quick to give up (they fail open) when Redis is away.
      const routingRedis = openRedis(environment.REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true, connectionName: `${prefix}-routing` }, logger);
      closers.push(() => routingRedis.quit());
      const signals = createRoutingSignals({ config, redis: routingRedis, prefix, logger });
      // Closed after the workers (closers run in reverse): their last calls settle their limits.
      const limitProvider = createProviderLimits({ config, redis: workerRedis, prefix, logger: logger.child({ component: 'provider-limits' }) });
      closers.push(() => limitProvider.close());
      const tenantLimits = createTenantWorkerLimits({ pool: database.pool, redis: workerRedis, prefix, logger });
      closers.push(() => tenantLimits.close());
      pool = await startProviderWorkers({
        config,
        providers,
        redis: workerRedis,
        prefix,
        resultStore: new ResultStore(database.db, {
          afterWrite: tenantLimits.meter.afterResultsWritten,
          settled,
          outage: { maxWaitMs: config.durability.outageWaitMs, logger, what: 'request outcomes' },
        }),
        logger: logger.child({ component: 'worker' }),
        limitProvider,
        lifecycle: asyncJobLifecycle({ pool: database.pool, webhooks }),
        signals,
        retryPolicy: config.routing,
        maxSlotWaitMs: config.routing.maxSlotWaitMs,
        cache,
        handBack: shutdown.handBack,
      });
      const workers = pool;
      closers.push(() => workers.close());
      const batchWorkers = await startBatchWorkers({
        config,
        providers,
        pool: database.pool,
        db: database.db,
        redis: workerRedis,
        prefix,
        limitProvider,
        tenantLimits,
        signals,
        webhooks,
        cache,
        settled,
        logger,
        handBack: shutdown.handBack,
      });
      closers.push(() => batchWorkers.close());
      const webhookWorker = await startWebhookWorker({
        config,
        db: database.db,
        redis: workerRedis,
        prefix,
        logger: logger.child({ component: 'webhook-worker' }),
        metrics,
      });
      closers.push(() => webhookWorker.close());
    }

    if (role === 'worker') {
      startup.checkStopped(signal);
      return { app: undefined, url: undefined, adminKey: '', metricsUrl: processMetrics.url, webhooks, close: closeAll };
    }

    const adminKey = environment.GATEWAY_ADMIN_KEY ?? randomBytes(24).toString('base64url');
    if (!environment.GATEWAY_ADMIN_KEY) {
      // The key never goes into the log stream (shipped, kept, read by others): main.ts shows it on a terminal.
      logger.warn('GATEWAY_ADMIN_KEY is not set: the admin API takes a key generated for this run only (shown on an interactive terminal, never logged)');
    }
    // Auto-pipelining: the enqueues (and the odd PUBLISH or PING) of one event-loop turn go out in one
    // socket write; one write per request cost more CPU than BullMQ's whole add. Each command still
    // succeeds or fails on its own.
    const redis = openRedis(environment.REDIS_URL, { maxRetriesPerRequest: 2, connectionName: `${prefix}-api`, enableAutoPipelining: true }, logger);
    const subscriber = openRedis(environment.REDIS_URL, { maxRetriesPerRequest: null, connectionName: `${prefix}-api-sub` }, logger);
    closers.push(() => redis.quit(), () => subscriber.quit());
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
    closers.push(() => dispatcher.close(), () => replies.close());
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
      adminKey,
      metrics,
      logger,
      readiness,
      // The server listening since start-up: the port never refuses a connection in between.
      ...(startup.apiServer ? { serverFactory: startup.apiServer.serverFactory } : {}),
    });
    // Closed first (closers run in reverse): stop accepting, let in-flight requests get their replies.
    closers.push(() => app.close());
    await app.ready();
    startup.checkStopped(signal);
    let url: string | undefined;
    if (options.listen ?? true) {
      startup.apiServer?.handOver();
      url = await app.listen({ host: environment.HOST, port: environment.PORT });
      listening = true;
      logger.info({ url, role }, 'gateway listening');
    }
    return { app, url, adminKey, metricsUrl: processMetrics.url, webhooks, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
