import type { Environment } from '../config/env.ts';
import type { Logger } from '../logging/logger.ts';
import { awaitDependencies } from './await-dependencies.ts';
import { probeDependency } from './dependency-probes.ts';
import { dependencyTargets, type DependencyTarget } from '../config/dependency-target.ts';
import { StartupAbortedError } from '../errors/startup-errors.ts';
import { openStartupServer, type StartupServer } from './startup-server.ts';
import { StartupStatus, type StartupPhase } from './startup-status.ts';

export interface ProcessStartup {
  status: StartupStatus;
  /** HOST:PORT, already listening (api and all roles), for the API to take over. */
  apiServer: StartupServer | undefined;
  /** Waits for Postgres and Redis (see {@link awaitDependencies}). */
  awaitDependencies(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  /** Moves on to the next phase, or stops here when the process was asked to stop meanwhile. */
  enter(phase: StartupPhase, signal?: AbortSignal): void;
  /** Throws StartupAbortedError when the process was asked to stop while starting. */
  checkStopped(signal?: AbortSignal): void;
  /** Frees METRICS_PORT for the metrics server (which then answers the same probes). */
  releaseMetricsPort(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The first thing a gateway process does: listen (HOST:PORT in the api and all roles, METRICS_PORT
 * when set) with a handler that only answers probes, then wait for its dependencies. Nothing else
 * is built until Postgres and Redis answer.
 */
export async function beginProcessStartup(options: {
  environment: Pick<
    Environment,
    | 'GATEWAY_ROLE'
    | 'HOST'
    | 'PORT'
    | 'METRICS_PORT'
    | 'DATABASE_URL'
    | 'REDIS_URL'
    | 'CACHE_REDIS_URL'
    | 'REDIS_CLUSTER_NODES'
    | 'REDIS_SENTINELS'
    | 'REDIS_SENTINEL_MASTER'
    | 'REDIS_SENTINEL_PASSWORD'
  >;
  logger: Logger;
  /** Listen on HOST:PORT (false when tests drive the API through `inject()`). */
  listen: boolean;
  /** Tests and tools may probe differently. @defaultValue a connection and a PING / SELECT 1 */
  probe?: (target: DependencyTarget) => Promise<void>;
}): Promise<ProcessStartup> {
  const { environment, logger } = options;
  const status = new StartupStatus(dependencyTargets(environment));
  const servers: StartupServer[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
  };
  let apiServer: StartupServer | undefined;
  let metricsServer: StartupServer | undefined;
  try {
    if (options.listen && environment.GATEWAY_ROLE !== 'worker') {
      apiServer = await openStartupServer({ host: environment.HOST, port: environment.PORT, status, logger, what: 'api' });
      servers.push(apiServer);
    }
    if (environment.METRICS_PORT !== undefined) {
      metricsServer = await openStartupServer({ host: environment.HOST, port: environment.METRICS_PORT, status, logger, what: 'metrics' });
      servers.push(metricsServer);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    status,
    apiServer,
    awaitDependencies: ({ timeoutMs, signal }) =>
      awaitDependencies({ targets: dependencyTargets(environment), probe: options.probe ?? probeDependency, status, logger, timeoutMs, ...(signal ? { signal } : {}) }),
    enter(phase, signal) {
      if (signal?.aborted) throw new StartupAbortedError();
      status.enter(phase);
    },
    checkStopped(signal) {
      if (signal?.aborted) throw new StartupAbortedError();
    },
    releaseMetricsPort: async () => {
      await metricsServer?.close();
    },
    close,
  };
}
