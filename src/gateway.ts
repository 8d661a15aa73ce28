import { redisTargetOf } from './config/redis-target.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { buildApp } from './api/app.ts';
import type { Environment } from './config/env.ts';
import type { GatewayConfig } from './config/gateway-config.ts';
import { createDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import type { Logger } from './logging/logger.ts';
import type { WebhookService } from './webhooks/webhook-notifier-postgres.ts';
import { Shutdown } from './durability/shutdown.ts';
import { withinTime } from './durability/time-limit.ts';
import { beginProcessStartup } from './startup/process-startup.ts';
import { guardDeployment } from './startup/deployment-guard.ts';
import { startApiRole } from './roles/api-role.ts';
import { startSharedServices } from './roles/shared-services.ts';
import { startWorkerRole } from './roles/worker-role.ts';
import { warmTokenEncoders } from './tokens/token-encoders.ts';
import { configCountsTokens } from './config/token-counting.ts';
import { noTracing, type Tracing } from './observability/tracing.ts';

/** How long past the drain deadline one shutdown step may take before the next one runs. */
const closeStepGraceMs = 5000;

/** A shutdown step running longer than this is logged by name. */
const slowStepMs = 3000;

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
  /**
   * Where spans go (see `startTracing`). The caller owns it: it is shut down (flushed) by whoever made
   * it, after `close()`, so the spans of the drain are in it. @defaultValue {@link noTracing}
   */
  tracing?: Tracing;
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
        const step = close.toString().slice(0, 80);
        // A step still running after a few seconds is named in the log: what a drain waits on shows.
        const slow = setTimeout(() => logger.warn({ step, afterMs: slowStepMs }, 'shutdown step still running'), slowStepMs);
        await withinTime(close(), shutdown.remainingMs + closeStepGraceMs, `shutdown step ${step}`)
          .catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'))
          .finally(() => clearTimeout(slow));
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
    const deployment = await guardDeployment({ pool: database.pool, redis: redisTargetOf(environment), prefix, logger });
    closers.push(() => deployment.close());

    const shared = await startSharedServices({ environment, config, logger, prefix, database, startup, closers });
    const { webhooks, processMetrics, durability } = shared;
    // The prefix's registration goes with the rest of Redis's data: claimed again after each loss.
    deployment.keepClaimed(durability.watcher, (error) => (options.onFatal ? options.onFatal(error) : logger.error({ err: error }, error.message)));

    // A config that counts tokens on ordinary requests (TPM limits, token rules) loads the vocabulary
    // before serving, not on the first request; any other loads it on first use (src/config/token-counting.ts).
    if (configCountsTokens(config)) warmTokenEncoders();
    const roleOptions = { environment, config, logger, prefix, shared, shutdown, closers, tracing: options.tracing ?? noTracing };
    if (role === 'worker' || role === 'all') await startWorkerRole(roleOptions);
    if (role === 'worker') {
      startup.checkStopped(signal);
      return { app: undefined, url: undefined, adminKey: '', metricsUrl: processMetrics.url, webhooks, close: closeAll };
    }

    const { app, adminKey } = await startApiRole({ ...roleOptions, serverFactory: startup.apiServer?.serverFactory });
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
