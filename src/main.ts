import { ConfigurationError, loadEnvironment } from './config/env.ts';
import { defaultGatewayConfig } from './config/default-config.ts';
import { loadGatewayConfigFile } from './config/gateway-config.ts';
import { startGateway } from './gateway.ts';
import { createLogger, type Logger } from './logger.ts';
import { KnownSecrets, secretsOf } from './observability/log-redaction.ts';

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
  const logger = createLogger(environment.LOG_LEVEL, { secrets });
  try {
    const config = environment.GATEWAY_CONFIG ? await loadGatewayConfigFile(environment.GATEWAY_CONFIG) : defaultGatewayConfig();
    secrets.add(...secretsOf({ providers: config.providers, urls: [] }));
    if (!environment.GATEWAY_CONFIG) logger.info('GATEWAY_CONFIG is not set: serving the built-in mock provider (models mock-echo, mock-classifier)');
    const gateway = await startGateway({ environment, config, logger });
    secrets.add(gateway.adminKey);
    if (!environment.GATEWAY_ADMIN_KEY && gateway.adminKey) showGeneratedAdminKey(gateway.adminKey, logger);

    let stoppingSince: number | undefined;
    const stop = (signal: NodeJS.Signals) => {
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
      logger.info({ signal, shutdownTimeoutMs: config.server.shutdownTimeoutMs }, 'shutting down: draining in-flight work');
      // A drain that cannot finish (a call that ignores its abort) must not keep the process forever:
      // its jobs are recovered from their locks and by the reconciler.
      setTimeout(() => {
        logger.error('drain did not finish in time; exiting');
        process.exit(1);
      }, config.server.shutdownTimeoutMs + drainOverrunMs).unref();
      gateway.close().then(
        () => {
          logger.info('shut down cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      logger.fatal(error.message);
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
