import type { WebhookAttemptMetrics, WebhookAttemptOutcome } from '../webhooks/webhook-attempt-metrics.ts';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { GatewayConfig } from '../config/gateway-config.ts';
import type { SettledRequest } from '../observability/settled-requests.ts';
import { createMetricLabels, noneLabel, statusClassOf, type MetricLabels } from './metric-labels.ts';

/** Whole-request and provider-call latencies of LLM calls: milliseconds (cache hits) to ten minutes. */
export const latencyBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

/** Queue waits: about a millisecond on an idle gateway, minutes behind a provider's rate limit. */
export const queueWaitBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The gateway's Prometheus metrics of one process, in a registry of its own (tests run several
 * gateways in one process; the global default registry would mix them). Request metrics come from
 * {@link SettledRequest}s, so they count exactly what Postgres committed; scrape-time gauges (queues,
 * breakers) are registered on {@link registry} by `scrape-gauges.ts`.
 */
export class GatewayMetrics implements WebhookAttemptMetrics {
  readonly registry = new Registry();
  readonly labels: MetricLabels;
  private readonly requests: Counter<'kind' | 'operation' | 'format' | 'model' | 'provider' | 'status' | 'status_class' | 'cache'>;
  private readonly requestDuration: Histogram<'kind' | 'model' | 'provider'>;
  private readonly queueWait: Histogram<'kind' | 'provider'>;
  private readonly providerDuration: Histogram<'provider' | 'model'>;
  private readonly tokens: Counter<'model' | 'provider' | 'type'>;
  private readonly cost: Counter<'model' | 'provider'>;
  private readonly costSaved: Counter<'model'>;
  private readonly cacheLookups: Counter<'result'>;
  private readonly webhookDeliveries: Counter<'event_type' | 'outcome'>;
  private readonly httpResponses: Counter<'method' | 'route' | 'status_class'>;
  private readonly reconcilePasses: Counter<'reason'>;
  private readonly reconcileRestored: Counter<'task'>;
  private readonly redisLosses: Counter<'reason'>;

  constructor(options: { config: GatewayConfig }) {
    this.labels = createMetricLabels(options.config);
    const registers = [this.registry];
    // Process metrics (CPU, memory, event loop lag, GC, handles) under their standard names.
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Settled requests (sync, async, batch lines) by operation, client format and outcome; status_class is the HTTP status class (none when no status).',
      labelNames: ['kind', 'operation', 'format', 'model', 'provider', 'status', 'status_class', 'cache'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Accepted to settled (sync, async); started to settled for batch lines.',
      labelNames: ['kind', 'model', 'provider'],
      buckets: latencyBucketsSeconds,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'gateway_queue_wait_seconds',
      help: 'Accepted to the first provider call started (sync and async; not cache hits or batch lines).',
      labelNames: ['kind', 'provider'],
      buckets: queueWaitBucketsSeconds,
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'gateway_provider_duration_seconds',
      help: 'The final provider call alone, by provider and upstream model.',
      labelNames: ['provider', 'model'],
      buckets: latencyBucketsSeconds,
      registers,
    });
    this.tokens = new Counter({
      name: 'gateway_tokens_total',
      help: 'Billed tokens; type input counts every prompt token (cached_input included), cached_input the cached part.',
      labelNames: ['model', 'provider', 'type'],
      registers,
    });
    this.cost = new Counter({ name: 'gateway_cost_usd_total', help: 'Billed cost in US dollars.', labelNames: ['model', 'provider'], registers });
    this.costSaved = new Counter({
      name: 'gateway_cost_saved_usd_total',
      help: 'What response cache hits would have cost, in US dollars.',
      labelNames: ['model'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'gateway_cache_lookups_total',
      help: 'Response cache outcomes of settled requests: hit, miss (looked up, then stored) or bypass (not cacheable).',
      labelNames: ['result'],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'gateway_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (retrying: failed, another attempt is scheduled).',
      labelNames: ['event_type', 'outcome'],
      registers,
    });
    this.httpResponses = new Counter({
      name: 'gateway_http_responses_total',
      help: 'HTTP answers of the API by method, route pattern and status class (refusals before the queue included).',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    });
    this.reconcilePasses = new Counter({
      name: 'gateway_reconcile_passes_total',
      help: 'Reconciler passes this process led, by reason (start, period, leadership, or a Redis data loss: epoch-missing, epoch-changed, server-restarted).',
      labelNames: ['reason'],
      registers,
    });
    this.reconcileRestored = new Counter({
      name: 'gateway_reconcile_restored_total',
      help: 'Work put back on the queues from Postgres (or expired rows swept), by reconcile task.',
      labelNames: ['task'],
      registers,
    });
    this.redisLosses = new Counter({
      name: 'gateway_redis_data_losses_total',
      help: 'Times this process saw Redis lose data (its epoch key gone or replaced, or the server restarted).',
      labelNames: ['reason'],
      registers,
    });
  }

  /** A reconciler pass this process led: what each task put back. */
  recordReconcile(report: { reason: string; led: boolean; restored: Record<string, number> }): void {
    if (!report.led) return;
    this.reconcilePasses.inc({ reason: report.reason });
    for (const [task, count] of Object.entries(report.restored)) if (count > 0) this.reconcileRestored.inc({ task }, count);
  }

  recordRedisLoss(reason: string): void {
    this.redisLosses.inc({ reason });
  }

  /** A `SettledRequests` listener: counts each committed outcome once. */
  readonly observeSettled = (requests: readonly SettledRequest[]): void => {
    for (const request of requests) this.observe(request);
  };

  /**
   * Every HTTP answer of the API, by route pattern (never the raw URL) and status class: the requests
   * refused before they became records (400, 401, 404, 429 …) are only counted here.
   */
  observeHttp(answer: { method: string; route: string | undefined; statusCode: number }): void {
    this.httpResponses.inc({ method: answer.method, route: answer.route ?? 'unmatched', status_class: statusClassOf(answer.statusCode) });
  }

  recordWebhookAttempt(attempt: { eventType: string; outcome: WebhookAttemptOutcome }): void {
    this.webhookDeliveries.inc({ event_type: attempt.eventType, outcome: attempt.outcome });
  }

  /** The text exposition format (`text/plain; version=0.0.4`). */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private observe(request: SettledRequest): void {
    const kind = request.kind;
    const model = this.labels.model(request.model);
    const provider = this.labels.provider(request.provider);
    this.requests.inc({
      kind,
      operation: request.operation ?? 'chat',
      format: request.format,
      model,
      provider,
      status: request.status,
      status_class: statusClassOf(request.statusCode),
      cache: request.cacheStatus ?? noneLabel,
    });
    this.requestDuration.observe({ kind, model, provider }, request.latencyMs / 1000);
    if (request.queueWaitMs !== null) this.queueWait.observe({ kind, provider }, request.queueWaitMs / 1000);
    if (request.providerLatencyMs !== null && request.provider !== null) {
      this.providerDuration.observe({ provider, model: this.labels.upstreamModel(request.provider, request.upstreamModel) }, request.providerLatencyMs / 1000);
    }
    if (request.cacheStatus !== null) this.cacheLookups.inc({ result: request.cacheStatus });
    const usage = request.usage;
    if (!usage) return;
    this.tokens.inc({ model, provider, type: 'input' }, usage.promptTokens);
    this.tokens.inc({ model, provider, type: 'cached_input' }, usage.cachedPromptTokens);
    this.tokens.inc({ model, provider, type: 'output' }, usage.completionTokens);
    // Prometheus counters are floats: exact enough for rates and dashboards; Postgres keeps the exact bill.
    const cost = Number(usage.cost);
    if (Number.isFinite(cost) && cost >= 0) this.cost.inc({ model, provider }, cost);
    const saved = Number(usage.costSaved);
    if (Number.isFinite(saved) && saved > 0) this.costSaved.inc({ model }, saved);
  }
}
