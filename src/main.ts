import { ConfigurationError, loadEnvironment } from './config/env.ts';
import { defaultGatewayConfig } from './config/default-config.ts';
import { loadGatewayConfigFile } from './config/gateway-config.ts';
import { startGateway } from './gateway.ts';
import { createLogger } from './logger.ts';

async function main(): Promise<void> {
  let environment;
  try {
    environment = loadEnvironment();
  } catch (error) {
    // No logger yet: the level itself may be the bad variable.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(environment.LOG_LEVEL);
  try {
    const config = environment.GATEWAY_CONFIG ? await loadGatewayConfigFile(environment.GATEWAY_CONFIG) : defaultGatewayConfig();
    if (!environment.GATEWAY_CONFIG) logger.info('GATEWAY_CONFIG is not set: serving the built-in mock provider (models mock-echo, mock-classifier)');
    const gateway = await startGateway({ environment, config, logger });

    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: finishing in-flight work');
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
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    if (error instanceof ConfigurationError) {
      logger.fatal(error.message);
    } else {
      logger.fatal({ err: error }, 'gateway failed to start');
    }
    process.exit(1);
  }
}

await main();
