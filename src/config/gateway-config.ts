import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { formatIssues } from './env.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { interpolateEnvironment } from './interpolate.ts';
import { describeBuiltIns, mergeOverBuiltInConfig } from './config-file-merge.ts';
import { liteLLMConfigHint } from './litellm-config-hint.ts';
import { configErrorMap } from './unknown-key-hints.ts';
import type { Logger } from '../logging/logger.ts';
import { integer, providerSchema } from './provider-config.ts';
import { breakersSchema, routeBalancing, routeOrAlias, routingSchema, routingStrategies } from './routing-config.ts';
import { findRouteConfigProblems } from './validate-route-config.ts';
import { routingRulesSchema } from './routing-rules-config.ts';

/** A price in USD per million tokens, kept as a decimal string so money is never a float. */
const decimalPrice = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .pipe(z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal number'));

const pricingTierSchema = z.strictObject({
  /** The tier applies when a request's input tokens are more than this. */
  aboveInputTokens: z.number().int().nonnegative(),
  inputPerMillion: decimalPrice.optional(),
  cachedInputPerMillion: decimalPrice.optional(),
  cacheWriteInputPerMillion: decimalPrice.optional(),
  cacheWrite1hInputPerMillion: decimalPrice.optional(),
  outputPerMillion: decimalPrice.optional(),
});

export const pricingSchema = z.strictObject({
  /** USD per 1M prompt tokens. */
  inputPerMillion: decimalPrice,
  /** USD per 1M completion tokens. */
  outputPerMillion: decimalPrice,
  /** USD per 1M input tokens read from the prompt cache; the input price when absent. */
  cachedInputPerMillion: decimalPrice.optional(),
  /** USD per 1M input tokens written to the prompt cache (Anthropic's 5-minute cache); the input price when absent. */
  cacheWriteInputPerMillion: decimalPrice.optional(),
  /** USD per 1M input tokens written to Anthropic's 1-hour prompt cache; `cacheWriteInputPerMillion` when absent. */
  cacheWrite1hInputPerMillion: decimalPrice.optional(),
  /** USD per 1M prompt tokens through the provider's batch API; the provider's `nativeBatch.discount` × `inputPerMillion` when absent. */
  batchInputPerMillion: decimalPrice.optional(),
  /** USD per 1M completion tokens through the provider's batch API; `nativeBatch.discount` × `outputPerMillion` when absent. */
  batchOutputPerMillion: decimalPrice.optional(),
  /**
   * Higher rates for long prompts: a request whose input (cached and cache-write tokens included) is
   * more than `aboveInputTokens` is billed whole at the highest tier it passes, as Google and Anthropic bill.
   */
  tiers: z.array(pricingTierSchema).min(1).optional(),
});

export const routeSchema = z.strictObject({
  /** A provider instance name from `providers`. */
  provider: z.string().min(1),
  /** The model name the provider expects. */
  model: z.string().min(1),
  pricing: pricingSchema.optional(),
  /** Limits on this upstream model of the provider across all worker processes (as the provider's). */
  rpm: integer({ min: 1 }).optional(),
  tpm: integer({ min: 1 }).optional(),
  concurrency: integer({ min: 1, max: 10_000 }).optional(),
  ...routeBalancing,
});

export const modelSchema = z.strictObject({
  /** How the routes are ordered (see routing-config.ts). @defaultValue priority */
  strategy: z.enum(routingStrategies).default('priority'),
  /** Provider routes and aliases of other models: the fallback chain, and the default when no rule matches. */
  routes: z.array(routeOrAlias(routeSchema)).min(1),
  /** Conditional routing, in order: the first rule whose conditions all hold routes the request instead of `routes`. */
  rules: routingRulesSchema(routeOrAlias(routeSchema)).optional(),
  /** Whether requests are checked against the routes' context windows. @defaultValue `routing.contextCheck` */
  contextCheck: z.boolean().optional(),
  pricing: pricingSchema.optional(),
  /** This model's response cache settings, over the global `cache` ones. */
  cache: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Seconds a stored answer of this model is served. */
      ttlSeconds: integer({ min: 1, max: 365 * 86_400 }).optional(),
    })
    .optional(),
});

export const cacheSchema = z.strictObject({
  /** Exact-match response cache (see README). Off unless enabled here or per model. @defaultValue false */
  enabled: z.boolean().default(false),
  /** Seconds a stored answer is served. @defaultValue 3600 */
  ttlSeconds: integer({ min: 1, max: 365 * 86_400 }).default(3_600),
  /** Answers larger than this (serialised) are not stored. @defaultValue 1 MiB */
  maxEntryBytes: integer({ min: 1024, max: 64 * 1024 * 1024 }).default(1024 * 1024),
});

export const serverSchema = z.strictObject({
  /** Largest request body accepted, in bytes (413 beyond). @defaultValue 10 MiB */
  bodyLimitBytes: integer({ min: 1024 }).default(10 * 1024 * 1024),
  /** How long a sync call waits for its job before answering 504. @defaultValue 600000 (OpenAI SDK's default) */
  requestTimeoutMs: integer({ min: 100 }).default(600_000),
  /**
   * A started stream ends with a `stream_interrupted` error event when nothing arrived from its worker
   * for this long (the provider's own `timeoutMs` normally fires first). @defaultValue 120000
   */
  streamIdleTimeoutMs: integer({ min: 100 }).default(120_000),
  /**
   * A streamed call sends an SSE comment (`: keep-alive`) after this long without a write, while it
   * waits in its provider's queue and between chunks, so proxies with an idle timeout (often 60 s)
   * keep the connection. The first one commits the response (200 and SSE headers): a failure after it
   * is an error event, not an HTTP status. 0 sends none. @defaultValue 15000
   */
  streamHeartbeatIntervalMs: integer({ min: 0, max: 600_000 })
    .refine((value) => value === 0 || value >= 100, 'must be 0 (off) or at least 100')
    .default(15_000),
  /**
   * On SIGTERM/SIGINT, how long the process drains: requests already accepted are answered and active
   * jobs finish within it; jobs still running then are handed back to their queue (never failed, never
   * billed twice). Keep the orchestrator's grace period above it. @defaultValue 30000
   */
  shutdownTimeoutMs: integer({ min: 0, max: 3_600_000 }).default(30_000),
  /**
   * On SIGTERM/SIGINT, how long the listener keeps accepting while `/readyz` already answers 503, so
   * load balancers that poll readiness stop routing first. Leave 0 behind Kubernetes (a `preStop`
   * pause does this); counted within `shutdownTimeoutMs`. @defaultValue 0
   */
  drainDelayMs: integer({ min: 0, max: 600_000 }).default(0),
  /**
   * At start, how long the process waits for Postgres (DATABASE_URL) and Redis (REDIS_URL) to answer
   * before it gives up and exits with code 1, so an orchestrator restarts it and the failure shows.
   * Meanwhile `/healthz` answers 200 and `/readyz` 503 naming what is awaited. 0: wait forever.
   * @defaultValue 120000
   */
  startupTimeoutMs: integer({ min: 0, max: 86_400_000 }).default(120_000),
});

export const durabilitySchema = z.strictObject({
  /** How often the leading process compares what Postgres says is unfinished with what Redis holds. @defaultValue 60000 */
  reconcileIntervalMs: integer({ min: 1_000, max: 3_600_000 }).default(60_000),
  /** How often every process checks whether Redis lost its data (its epoch key, the server's run_id). @defaultValue 1000 */
  redisCheckIntervalMs: integer({ min: 100, max: 60_000 }).default(1_000),
  /**
   * BullMQ's job lock: a job whose process died (`kill -9`, an OOM kill) goes back to its queue about
   * this long after its last lock renewal. Shorter recovers faster; each active job renews its lock
   * every half of it. @defaultValue 30000
   */
  jobLockMs: integer({ min: 1_000, max: 600_000 }).default(30_000),
  /**
   * How long a worker keeps finished results in memory while Postgres is unreachable, writing them once
   * it is back, before it fails their jobs (which then run again: BullMQ's retries, or the reconciler).
   * @defaultValue 60000
   */
  outageWaitMs: integer({ min: 0, max: 3_600_000 }).default(60_000),
});

export const webhooksSchema = z.strictObject({
  /**
   * Hosts or CIDRs a webhook may target although they are loopback, private, link-local or metadata
   * addresses (refused otherwise). @defaultValue []
   */
  allowHosts: z
    .array(
      z
        .string()
        .min(1)
        .refine((entry) => !entry.includes('/') || ipaddr.isValidCIDR(entry.trim()), 'not a valid CIDR (e.g. 10.0.0.0/8)'),
    )
    .default([]),
  /** Timeout of one delivery attempt. @defaultValue 10000 */
  timeoutMs: integer({ min: 100, max: 120_000 }).default(10_000),
  /**
   * Delay before each retry after the immediate first attempt; its length caps the attempts.
   * @defaultValue Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
   */
  retryScheduleMs: z.array(integer({ min: 0, max: 7 * 24 * 3_600_000 })).default([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
});

export const filesSchema = z.strictObject({
  /** Largest upload in bytes (OpenAI: 200 MB). @defaultValue 512 MiB */
  maxBytes: integer({ min: 1024 }).default(512 * 1024 * 1024),
  /** Most lines in a batch input file (OpenAI: 50,000). @defaultValue 1,000,000 */
  maxLines: integer({ min: 1 }).default(1_000_000),
  /**
   * Uploads one API process receives at once; beyond, 503 with Retry-After. Each holds a pooled
   * Postgres connection while it streams. @defaultValue a quarter of `DATABASE_POOL_MAX` (at least 1)
   */
  maxConcurrentUploads: integer({ min: 1, max: 1_000 }).optional(),
});

/** What a batch's create does with lines that cannot run (`batches.onInvalidLines`). */
export const onInvalidLinesModes = ['reject', 'fail_lines'] as const;
export type OnInvalidLines = (typeof onInvalidLinesModes)[number];

/** Where a batch's lines run (`batches.mode`, the `x-gateway-batch-mode` header). */
export const batchModeNames = ['auto', 'native', 'gateway'] as const;

export const batchesSchema = z.strictObject({
  /**
   * Where lines run unless a batch's `x-gateway-batch-mode` header says otherwise: `auto` sends a line to
   * its provider's batch API when the batch's `completion_window` is at least 24h and that provider
   * (of the line's first route) has `nativeBatch.enabled`, and runs the others on the gateway's workers;
   * `native` refuses a batch with any line that cannot go to a batch API; `gateway` runs every line on
   * the gateway's workers. @defaultValue 'auto'
   */
  mode: z.enum(batchModeNames).default('auto'),
  /** Lines per BullMQ job; a job's lines run concurrently under the provider's limit. @defaultValue 500 */
  chunkSize: integer({ min: 1, max: 10_000 }).default(500),
  /** Most `requests` in an inline batch. @defaultValue 50000 */
  maxInlineRequests: integer({ min: 1 }).default(50_000),
  /**
   * What creating a batch does with lines the gateway would refuse without calling a provider (an
   * unknown model, a capability no route of the model has, an invalid body): `reject` answers 400
   * `invalid_batch_lines` naming them and creates nothing; `fail_lines` creates the batch, fails those
   * lines at once (into the error file, with the error a sync call would get) and runs the rest. A
   * batch may choose for itself with `on_invalid_lines`. @defaultValue 'reject'
   */
  onInvalidLines: z.enum(onInvalidLinesModes).default('reject'),
});

/** What traces carry beside what the `OTEL_*` variables configure (see docs/operations.md, Traces). */
export const tracingSchema = z.strictObject({
  /**
   * Share of batch lines run on the gateway's workers that get a span of their own (their provider
   * calls too); every chunk of lines has one. Lines are picked evenly by line number. @defaultValue 0.01 (1 in 100)
   */
  batchLineRatio: z.number().min(0).max(1).default(0.01),
  /** Trace every batch line that fails, sampled or not (after the fact, with its attempts as events). @defaultValue true */
  failedBatchLines: z.boolean().default(true),
});

export const gatewayConfigSchema = z
  .strictObject({
    server: serverSchema.default(serverSchema.parse({})),
    webhooks: webhooksSchema.default(webhooksSchema.parse({})),
    files: filesSchema.default(filesSchema.parse({})),
    batches: batchesSchema.default(batchesSchema.parse({})),
    providers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'provider names use letters, digits, _ and - only'), providerSchema),
    models: z.record(z.string().min(1), modelSchema).default({}),
    routing: routingSchema.default(routingSchema.parse({})),
    cache: cacheSchema.default(cacheSchema.parse({})),
    breakers: breakersSchema.default(breakersSchema.parse({})),
    durability: durabilitySchema.default(durabilitySchema.parse({})),
    tracing: tracingSchema.default(tracingSchema.parse({})),
  })
  .superRefine((config, context) => {
    // Unknown providers and aliases, alias cycles: each with its exact path.
    for (const problem of findRouteConfigProblems(config)) context.addIssue({ code: 'custom', ...problem });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type Pricing = z.infer<typeof pricingSchema>;
export type WebhooksConfig = z.infer<typeof webhooksSchema>;
export type CacheConfig = z.infer<typeof cacheSchema>;

/** Validates an already-parsed config object (after `${ENV}` interpolation). */
export function parseGatewayConfig(raw: unknown, environment: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const foreign = liteLLMConfigHint(raw);
  if (foreign !== undefined) throw new ConfigurationError(`Invalid gateway config:\n${foreign}`);
  const interpolated = interpolateEnvironment(raw, environment);
  if (interpolated.errors.length > 0) {
    throw new ConfigurationError(`Invalid gateway config:\n${interpolated.errors.join('\n')}`);
  }
  const parsed = gatewayConfigSchema.safeParse(interpolated.value, { error: configErrorMap });
  if (!parsed.success) {
    throw new ConfigurationError(`Invalid gateway config:\n${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

function readConfigYaml(text: string): unknown {
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    // The message's first line names the problem and its line and column; the rest quotes the
    // source line, which may hold a key written into the file as is: never printed.
    if (error instanceof YAMLParseError) throw new ConfigurationError(`Invalid gateway config YAML: ${error.message.split('\n')[0]?.replace(/:$/, '') ?? error.code}`);
    throw error;
  }
}

/** A whole config as YAML text, without the built-in entries (tests and tools). */
export function parseGatewayConfigYaml(text: string, environment: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseGatewayConfig(readConfigYaml(text), environment);
}

/**
 * The `GATEWAY_CONFIG` file, merged over the built-in configuration (RFC 7396: see
 * `mergeOverBuiltInConfig`), interpolated and validated. Says at info level whether the built-in mock
 * provider is served with it.
 */
export async function loadGatewayConfigFile(path: string, environment: NodeJS.ProcessEnv = process.env, options: { logger?: Logger } = {}): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`GATEWAY_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  const { raw, builtIns } = mergeOverBuiltInConfig(readConfigYaml(text));
  let config: GatewayConfig;
  try {
    config = parseGatewayConfig(raw, environment);
  } catch (error) {
    if (builtIns === 'left-out' && error instanceof ConfigurationError && error.message.includes('unknown provider "mock"')) {
      throw new ConfigurationError(
        `${error.message}\n(the built-in mock provider is left out of a file that names providers or models of its own: declare \`mock: { type: mock }\` under providers to keep it)`,
      );
    }
    throw error;
  }
  options.logger?.info({ path, builtIns }, describeBuiltIns(builtIns));
  return config;
}

export type { ProviderConfig, OpenAIProviderConfig, MockProviderConfig } from './provider-config.ts';
