import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerFactory } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { ApiKeyStore } from '../auth/api-key-store.ts';
import type { GatewayCache } from '../cache/gateway-cache.ts';
import type { BatchApi } from '../batches/batch-api.ts';
import type { SyncRequests } from './sync-requests.ts';
import type { IdempotentRequests } from './idempotency.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { TenantAdmission } from '../limits/tenant/tenant-admission.ts';
import type { Logger } from '../logging/logger.ts';
import type { WebhookService } from '../webhooks/webhook-notifier-postgres.ts';
import type { BreakerStatus } from '../routing/redis-circuit-breakers.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';
import type { ReadinessReport } from '../durability/readiness.ts';
import { registerErrorHandlers } from './error-handler.ts';
import { adminAuthHook } from './plugins/admin-auth.ts';
import { apiKeyAuthHook } from './plugins/api-key-auth.ts';
import { registerRequestTracing } from './plugins/request-tracing.ts';
import { noTracing, type Tracing } from '../observability/tracing.ts';
import { registerServerTiming } from './plugins/server-timing.ts';
import { registerConnectionDrain } from './plugins/connection-drain.ts';
import { registerRefusalLog } from './plugins/refusal-log.ts';
import { registerRequestCorrelation } from './plugins/request-correlation.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { queueBoardPlugin } from './plugins/queue-board.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { adminBreakersRoutes } from './routes/admin-breakers.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { adminKeysRoutes } from './routes/admin-keys.ts';
import { adminLimitsRoutes } from './routes/admin-limits.ts';
import { asyncJobsRoutes } from './routes/async-jobs.ts';
import { embeddingsRoutes } from './routes/embeddings.ts';
import { messagesRoutes } from './routes/messages.ts';
import { messageBatchesRoutes } from './routes/message-batches.ts';
import { responsesRoutes } from './routes/responses.ts';
import { batchesRoutes } from './routes/batches.ts';
import { adminProjectsRoutes } from './routes/admin-projects.ts';
import { chatCompletionsRoutes } from './routes/chat-completions.ts';
import { filesRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { modelsRoutes } from './routes/models.ts';
import { webhookDeliveriesRoutes } from './routes/webhook-deliveries.ts';
import { usageRoutes } from './routes/usage.ts';
import { adminUsageRoutes } from './routes/admin-usage.ts';

export interface AppDependencies {
  config: GatewayConfig;
  database: DatabaseHandle;
  /** A plain command connection (queues, publishing). */
  redis: RedisClient;
  prefix: string;
  keyStore: ApiKeyStore;
  dispatcher: RequestDispatcher;
  /** Circuit breaker states for `GET /admin/breakers`. */
  breakers: { list(): Promise<BreakerStatus[]> };
  /** Per-key and per-project rate limits and budgets (admission, and their admin store). */
  tenantLimits: TenantAdmission;
  /** Sends batch and job events (a WebhookNotifier), and redelivers for the delivery log API. */
  webhooks: WebhookService;
  /** The response cache (plans, lookups): async jobs plan theirs here, the worker looks them up. */
  cache: GatewayCache;
  /** The steps of every sync request (cache, plan, admission, the job and its answer), whatever its operation. */
  syncRequests: SyncRequests;
  /** OpenAI's Batches API over Postgres and the batch queues. */
  batches: BatchApi;
  /** `Idempotency-Key` handling, shared by every route that takes one. */
  idempotency: IdempotentRequests;
  adminKey: string;
  /** This process's Prometheus metrics, for `GET /metrics` (admin key). */
  metrics: Pick<GatewayMetrics, 'exposition' | 'observeHttp'>;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
  /** The HTTP server to serve on (one already listening since start-up); fastify creates its own without. */
  serverFactory?: FastifyServerFactory;
  /** Spans for the `/v1` API's requests (see plugins/request-tracing.ts). @defaultValue no tracing */
  tracing?: Tracing;
}

/** The HTTP API as a fastify instance; `inject()` drives it in tests, `listen()` in production. */
export function buildApp(dependencies: AppDependencies) {
  const app = Fastify({
    loggerInstance: dependencies.logger as FastifyBaseLogger,
    // One log line per request would cost more than the request itself at our rates. The request id
    // is `requestId` in every log line, API and worker alike (fastify's default label is `reqId`).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: dependencies.config.server.bodyLimitBytes,
    // Our id is the job id and the record's key: never taken from the client (a caller's own
    // `x-request-id` is kept beside it as its correlation id; see plugins/request-correlation.ts).
    requestIdHeader: false,
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    // Requests wait for their jobs; shutdown lets them finish, the sync timeout bounds them.
    requestTimeout: 0,
    // Requests already on a connection when the drain begins are served (with `Connection: close`)
    // rather than refused: the listener is closed, so no new connection brings more.
    return503OnClosing: false,
    ...(dependencies.serverFactory ? { serverFactory: dependencies.serverFactory } : {}),
  }).withTypeProvider<ZodTypeProvider>();

  registerRequestCorrelation(app);
  registerServerTiming(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app);

  // On shutdown, in-flight requests still get their answers, on connections that then close:
  // a keep-alive socket left open would hold `close()` until the client's idle timeout.
  registerConnectionDrain(app);
  registerRefusalLog(app, dependencies.metrics);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  // Before every route: its onRoute hook collects them into the spec.
  app.register(openApiPlugin);
  app.register(healthRoutes(dependencies));
  app.register(metricsRoutes(dependencies));

  app.register(
    async (v1) => {
      v1.decorateRequest('principal', undefined as never);
      // First: a refused key is a traced request too.
      registerRequestTracing(v1, dependencies.tracing ?? noTracing);
      // onRequest, before the body is read or validated: without a valid key nothing else is answered
      // (a 401 whatever the body, so the schemas cannot be probed), and an upload is not even read.
      v1.addHook('onRequest', apiKeyAuthHook(dependencies.keyStore));
      v1.register(chatCompletionsRoutes(dependencies));
      v1.register(modelsRoutes(dependencies));
      v1.register(filesRoutes(dependencies));
      v1.register(webhookDeliveriesRoutes(dependencies));
      v1.register(batchesRoutes(dependencies));
      v1.register(asyncJobsRoutes(dependencies));
      v1.register(embeddingsRoutes(dependencies));
      v1.register(messagesRoutes(dependencies));
      v1.register(messageBatchesRoutes(dependencies));
      v1.register(responsesRoutes(dependencies));
      v1.register(usageRoutes(dependencies));
    },
    { prefix: '/v1' },
  );

  app.register(
    async (admin) => {
      admin.addHook('onRequest', adminAuthHook(dependencies.adminKey));
      admin.register(adminKeysRoutes(dependencies));
      admin.register(adminProjectsRoutes(dependencies));
      admin.register(adminBreakersRoutes(dependencies));
      admin.register(adminLimitsRoutes(dependencies));
      admin.register(adminUsageRoutes(dependencies));
    },
    { prefix: '/admin' },
  );
  // Its own scope: a browser page, so the admin key also comes as HTTP Basic auth.
  app.register(queueBoardPlugin(dependencies, '/admin/queues'), { prefix: '/admin/queues' });
  app.register(dashboardRoutes(dependencies));

  return app;
}
