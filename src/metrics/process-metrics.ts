import { Queue } from 'bullmq';
import { queuePrefix } from '../queues/queue-prefix.ts';
import { connectRedis } from '../redis/redis-connections.ts';
import { redisTargetOf } from '../config/redis-target.ts';
import { gatewayQueueNames } from '../queues/gateway-queues.ts';
import type { Environment } from '../config/env.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { Logger } from '../logging/logger.ts';
import { RedisCircuitBreakers } from '../routing/redis-circuit-breakers.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import type { ReadinessReport } from '../durability/readiness.ts';
import { startMetricsServer } from './metrics-server.ts';
import { registerScrapeGauges } from './scrape-gauges.ts';

export interface ProcessMetrics {
  metrics: GatewayMetrics;
  /** `http://host:port` of the `METRICS_PORT` server, when one was asked for. */
  url: string | undefined;
  /** What the `METRICS_PORT` server answers on `/readyz` (set once the process has what it checks). */
  setReadiness(readiness: () => Promise<ReadinessReport>): void;
  close(): Promise<void>;
}

/** Every queue the gauges watch: the gateway's queues (the provider batches' polling jobs among them). */
export function watchedQueueNames(config: GatewayConfig): string[] {
  return gatewayQueueNames(config).map((queue) => queue.name);
}

/**
 * The metrics of one gateway process (any role): the registry, the scrape-time gauges on a Redis
 * connection of their own (quick to give up, so a slow Redis cannot hang a scrape), and the
 * `METRICS_PORT` server when the environment asks for one.
 */
export async function startProcessMetrics(options: {
  config: GatewayConfig;
  environment: Parameters<typeof redisTargetOf>[0] & Pick<Environment, 'HOST' | 'METRICS_PORT'>;
  prefix: string;
  logger: Logger;
}): Promise<ProcessMetrics> {
  const { config, environment, prefix } = options;
  const logger = options.logger.child({ component: 'metrics' });
  const metrics = new GatewayMetrics({ config });
  const redis = connectRedis(redisTargetOf(environment), { maxRetriesPerRequest: 1, connectionName: `${prefix}-metrics` });
  // ioredis logs an unhandled 'error' event itself; the gauges' read failures are counted instead.
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'metrics Redis connection error'));
  const queues = watchedQueueNames(config).map((name) => {
    const queue = new Queue(name, { connection: redis, prefix: queuePrefix(prefix, name) });
    queue.on('error', (error) => logger.debug({ err: error, queue: name }, 'metrics queue error'));
    return queue;
  });
  const breakers = new RedisCircuitBreakers({ redis, prefix, breakers: config.breakers, logger });
  registerScrapeGauges({ registry: metrics.registry, labels: metrics.labels, queues, breakers });

  const closeClients = async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    await redis.quit().catch(() => redis.disconnect());
  };
  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  const probes: { readiness?: () => Promise<ReadinessReport> } = {};
  if (environment.METRICS_PORT !== undefined) {
    try {
      server = await startMetricsServer({ metrics, host: environment.HOST, port: environment.METRICS_PORT, logger, probes });
    } catch (error) {
      await closeClients();
      throw error;
    }
  }
  return {
    metrics,
    url: server?.url,
    setReadiness(readiness) {
      probes.readiness = readiness;
    },
    async close() {
      await server?.close();
      await closeClients();
    },
  };
}
