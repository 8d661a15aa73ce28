import { builtInConfig } from './config/built-in-config.ts';
import { loadEnvironment } from './config/env.ts';
import { ConfigurationError } from './errors/configuration-error.ts';
import { defaultGatewayConfig } from './config/default-config.ts';
import { loadGatewayConfigFile } from './config/gateway-config.ts';
import { startGateway, type Gateway } from './gateway.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { KnownSecrets, secretsOf } from './logging/log-redaction.ts';
import { isStartupAborted, startupErrorDetails } from './errors/startup-errors.ts';
import { readTracingSettings } from './observability/tracing-settings.ts';
import { startTracing } from './observability/start-tracing.ts';
import { noTracing, type Tracing } from './observability/tracing.ts';

/** Signals closer together than this are one signal delivered twice. */
const repeatedSignalMs = 1000;
/** How long past `server.shutdownTimeoutMs` the drain may run (handing jobs back, flushing) before the process exits anyway. */
const drainOverrunMs = 10_000;

async function main(): Promise<void> {
  let environment;
  try {
    environment = loadEnvironment();
  } catch (error) {
    // No logger yet: the level itself may be the bad variable.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  // Censored from every log line whatever their shape; the config's keys join once it is loaded.
  const secrets = new KnownSecrets();
  const connectionUrls = [environment.DATABASE_URL, environment.REDIS_URL, environment.CACHE_REDIS_URL];
  secrets.add(...secretsOf({ providers: {}, urls: connectionUrls, adminKey: environment.GATEWAY_ADMIN_KEY }));
  const tracingSettings = readTracingSettings(process.env);
  if (tracingSettings.enabled) secrets.add(...tracingSettings.secrets, ...secretsOf({ providers: {}, urls: [tracingSettings.endpoint] }));
  const logger = createLogger(environment.LOG_LEVEL, { secrets });
  const starting = new AbortController();
  let tracing: Tracing = noTracing;
  try {
    const config = environment.GATEWAY_CONFIG ? await loadGatewayConfigFile(environment.GATEWAY_CONFIG, process.env, { logger }) : defaultGatewayConfig();
    secrets.add(...secretsOf({ providers: config.providers, urls: [] }));
    // What a bedrock provider reads from AWS's standard variables when its config leaves them out.
    secrets.add(process.env['AWS_SECRET_ACCESS_KEY'], process.env['AWS_SESSION_TOKEN'], process.env['AWS_BEARER_TOKEN_BEDROCK']);
    tracing = await startTracing({ settings: tracingSettings, batchLines: config.tracing, logger, role: environment.GATEWAY_ROLE });
    if (!environment.GATEWAY_CONFIG) logger.info(`GATEWAY_CONFIG is not set: serving the built-in mock provider (models ${Object.keys(builtInConfig.models).join(', ')})`);
    // Signals are handled from the start: one that comes while Postgres or Redis is awaited stops the wait.
    let gateway: Gateway | undefined;
    let stoppingSince: number | undefined;
    let exitCode = 0;
    // A drain that cannot finish (a call that ignores its abort) must not keep the process forever:
    // its jobs are recovered from their locks and by the reconciler.
    const armDrainDeadline = () =>
      setTimeout(() => {
        logger.error('drain did not finish in time; exiting');
        process.exit(1);
      }, config.server.shutdownTimeoutMs + drainOverrunMs).unref();
    const drain = (running: Gateway) => {
      armDrainDeadline();
      running
        .close()
        // After the drain, so its spans are in: buffered spans are exported (a few seconds at most).
        .then(() => tracing.shutdown())
        .then(
          () => {
            logger.info('shut down cleanly');
            process.exit(exitCode);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    const stop = (signal: NodeJS.Signals | 'deployment-conflict') => {
      if (stoppingSince !== undefined) {
        // One deploy often signals twice: to the whole process group (docker stop, a Kubernetes
        // rollout) and again through a parent that forwards it (npm, tsx). Only a person's second
        // Ctrl-C, a moment after the first, means "stop waiting".
        if (signal === 'SIGINT' && Date.now() - stoppingSince > repeatedSignalMs) {
          logger.warn({ signal }, 'second interrupt: exiting without waiting for the drain');
          process.exit(1);
        }
        logger.info({ signal }, 'already draining; signal ignored (press Ctrl-C again to exit at once)');
        return;
      }
      stoppingSince = Date.now();
      if (!gateway) {
        // Still starting: stop waiting; startGateway closes what it built and rejects.
        logger.info({ signal }, 'stopping during start-up');
        armDrainDeadline();
        starting.abort();
        return;
      }
      logger.info({ signal, shutdownTimeoutMs: config.server.shutdownTimeoutMs }, 'shutting down: draining in-flight work');
      drain(gateway);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);

    gateway = await startGateway({
      environment,
      config,
      logger,
      tracing,
      signal: starting.signal,
      // Another deployment took this Redis prefix while the process ran (after Redis lost its data).
      onFatal: (error) => {
        logger.fatal(startupErrorDetails(error) ?? { err: error }, error.message);
        exitCode = 1;
        stop('deployment-conflict');
      },
    });
    if (starting.signal.aborted) {
      // The signal came as the last step finished: nothing will abort it now, so drain what just started.
      drain(gateway);
      return;
    }
    secrets.add(gateway.adminKey);
    if (!environment.GATEWAY_ADMIN_KEY && gateway.adminKey) showGeneratedAdminKey(gateway.adminKey, logger);
  } catch (error) {
    // Asked to stop while starting: whatever the unwinding threw, stopping is what was asked for.
    if (isStartupAborted(error) || starting.signal.aborted) {
      logger.info('stopped before start-up finished');
      process.exit(0);
    }
    const details = startupErrorDetails(error);
    if (error instanceof ConfigurationError) {
      logger.fatal(error.message);
    } else if (details) {
      // Waited too long for Postgres or Redis, or the Redis prefix belongs to another deployment.
      logger.fatal(details, (error as Error).message);
    } else {
      logger.fatal({ err: error }, 'gateway failed to start');
    }
    process.exit(1);
  }
}

/**
 * The one place a secret is printed on purpose: a generated admin key, on an interactive terminal
 * only, as plain text outside the JSON log stream (which is shipped and kept). Without a terminal
 * (a container, a service manager) nobody could read it safely, so it is not shown at all.
 */
function showGeneratedAdminKey(adminKey: string, logger: Logger): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\nAdmin key for this run (set GATEWAY_ADMIN_KEY to choose your own): ${adminKey}\n\n`);
  } else {
    logger.warn('stderr is not a terminal, so the generated admin key is not shown: set GATEWAY_ADMIN_KEY to use the admin API');
  }
}

await main();
