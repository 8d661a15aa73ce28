import { z } from 'zod';
import { openAICompatiblePresetNames } from './preset-names.ts';

/**
 * An integer that may also arrive as a numeric string, so `${CONCURRENCY:-16}` works: interpolation
 * always yields strings.
 */
export function integer(options: { min: number; max?: number }) {
  const base = z
    .number()
    .int()
    .min(options.min)
    .max(options.max ?? Number.MAX_SAFE_INTEGER);
  return z.preprocess((value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value), base);
}

const httpUrl = z.url({ protocol: /^https?$/ });

/** What happens to lines a provider's batch API expired or could not run. */
export const nativeBatchUnfinishedModes = ['fail', 'gateway'] as const;

/**
 * The provider's own batch API (OpenAI, Azure OpenAI, Anthropic, Gemini, Mistral, Groq, Together): batch
 * lines sent there run at its batch price (about half the sync price) within its 24-hour window,
 * outside the sync `concurrency`/`rpm`/`tpm` limits. Off unless enabled.
 */
export const nativeBatchSchema = z.strictObject({
  /** Send this provider's batch lines to its batch API (see `batches.mode`). @defaultValue false */
  enabled: z.boolean().default(false),
  /** How often a provider batch's status is read while it runs. @defaultValue 60000 */
  pollIntervalMs: integer({ min: 100, max: 3_600_000 }).default(60_000),
  /**
   * The batch price as a fraction of the sync price, where neither the config's `pricing` nor the
   * catalogue gives batch prices of its own. @defaultValue "0.5"
   */
  discount: z
    .union([z.string(), z.number()])
    .transform((value) => String(value))
    .pipe(z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a decimal from 0 to 1, e.g. "0.5"'))
    .default('0.5'),
  /** Lines per provider batch. @defaultValue the provider's documented limit (OpenAI 50,000; Anthropic 100,000) */
  maxRequestsPerBatch: integer({ min: 1 }).optional(),
  /** Bytes of one provider batch's input. @defaultValue the provider's documented limit (OpenAI 200 MB; Anthropic 256 MB) */
  maxBytesPerBatch: integer({ min: 1024 }).optional(),
  /**
   * Lines the batch API expired or could not run (a provider-side failure): `fail` writes them to the
   * error file; `gateway` runs them on the gateway's workers at the sync price while the batch's own
   * window lasts. @defaultValue 'fail'
   */
  onUnfinished: z.enum(nativeBatchUnfinishedModes).default('fail'),
});

export type NativeBatchConfig = z.infer<typeof nativeBatchSchema>;

const providerCommon = {
  apiKey: z.string().optional(),
  /** Extra headers sent on every call (e.g. `OpenAI-Organization`). */
  headers: z.record(z.string(), z.string()).default({}),
  /**
   * Max in-flight calls to this provider across ALL worker processes together (through Redis); also
   * each process's own cap (BullMQ worker concurrency, socket pool). @defaultValue 16
   */
  concurrency: integer({ min: 1, max: 10_000 }).default(16),
  /** Requests per minute across all worker processes, as a sliding window. Unset: no limit. */
  rpm: integer({ min: 1 }).optional(),
  /**
   * Tokens (prompt + completion) per minute across all worker processes, as a sliding window: each
   * call reserves its estimated input tokens, then counts the usage the provider reported. Unset: no limit.
   */
  tpm: integer({ min: 1 }).optional(),
  /** The window `rpm` and `tpm` count over. Only tests shorten it. @defaultValue 60000 */
  rateWindowMs: integer({ min: 100, max: 3_600_000 }).optional(),
  /** Timeout of one provider call. @defaultValue 60000 */
  timeoutMs: integer({ min: 1, max: 3_600_000 }).default(60_000),
  /** Attempts per job for retryable provider errors (408/409/429/5xx, network). @defaultValue 3 */
  maxAttempts: integer({ min: 1, max: 20 }).default(3),
  /** First retry delay; doubles each attempt, unless the provider sent Retry-After. @defaultValue 500 */
  retryBaseDelayMs: integer({ min: 0, max: 600_000 }).default(500),
  /** The provider's batch API (see {@link nativeBatchSchema}). @defaultValue off */
  nativeBatch: nativeBatchSchema.optional(),
};

/** @see https://platform.openai.com/docs/api-reference/chat */
export const openaiProviderSchema = z.strictObject({
  type: z.literal('openai'),
  baseUrl: httpUrl.default('https://api.openai.com/v1'),
  ...providerCommon,
});

/** @see https://docs.anthropic.com/en/api/messages */
export const anthropicProviderSchema = z.strictObject({
  type: z.literal('anthropic'),
  baseUrl: httpUrl.default('https://api.anthropic.com/v1'),
  /** The `anthropic-version` header. @defaultValue 2023-06-01 */
  anthropicVersion: z.string().min(1).default('2023-06-01'),
  /** Anthropic requires `max_tokens`; used when the client sends none. @defaultValue 4096 */
  defaultMaxTokens: integer({ min: 1, max: 1_000_000 }).default(4096),
  ...providerCommon,
});

/** @see https://ai.google.dev/api/generate-content */
export const googleProviderSchema = z.strictObject({
  type: z.literal('google'),
  baseUrl: httpUrl.default('https://generativelanguage.googleapis.com/v1beta'),
  ...providerCommon,
});

/**
 * Azure OpenAI: `baseUrl` is the resource endpoint (`https://<resource>.openai.azure.com`); a route's
 * `model` is the deployment name. @see https://learn.microsoft.com/azure/ai-services/openai/reference
 */
export const azureProviderSchema = z.strictObject({
  type: z.literal('azure'),
  baseUrl: httpUrl,
  /** The `api-version` query parameter. @defaultValue 2024-10-21 */
  apiVersion: z.string().min(1).default('2024-10-21'),
  ...providerCommon,
});

/**
 * Where and as whom a Google Cloud provider calls Vertex AI. Credentials: `credentialsFile`, else
 * `credentials`, else the file in `GOOGLE_APPLICATION_CREDENTIALS`, else Application Default
 * Credentials (the metadata server on Google Cloud). @see https://cloud.google.com/vertex-ai/docs/authentication
 */
const googleCloudFields = {
  /** The Google Cloud project. @defaultValue the credentials' `project_id` */
  project: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.:-]*$/, 'must be a Google Cloud project id, e.g. "my-project"')
    .optional(),
  /** The Vertex AI location: a region (`us-east5`, `europe-west1`) or `global`. */
  location: z.string().regex(/^[a-z0-9-]+$/, 'must be a Vertex AI location, e.g. "us-central1" or "global"'),
  /** Path of a credentials JSON file (a service-account key). */
  credentialsFile: z.string().min(1).optional(),
  /** The credentials JSON inline: an object, or a string holding it (e.g. `${VERTEX_CREDENTIALS}`). */
  credentials: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  /** Overrides the host. @defaultValue `https://{location}-aiplatform.googleapis.com` (`https://aiplatform.googleapis.com` for `global`) */
  baseUrl: httpUrl.optional(),
};

/** Gemini on Vertex AI. @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference */
export const vertexProviderSchema = z.strictObject({
  type: z.literal('vertex'),
  ...googleCloudFields,
  ...providerCommon,
});

/** Claude on Vertex AI. @see https://docs.claude.com/en/api/claude-on-vertex-ai */
export const vertexAnthropicProviderSchema = z.strictObject({
  type: z.literal('vertex-anthropic'),
  ...googleCloudFields,
  /** The body's `anthropic_version`. @defaultValue vertex-2023-10-16 */
  anthropicVersion: z.string().min(1).default('vertex-2023-10-16'),
  /** Anthropic requires `max_tokens`; used when the client sends none. @defaultValue 4096 */
  defaultMaxTokens: integer({ min: 1, max: 1_000_000 }).default(4096),
  ...providerCommon,
});

/**
 * Cohere's v2 API (chat and embed). @see https://docs.cohere.com/reference/chat
 */
export const cohereProviderSchema = z.strictObject({
  type: z.literal('cohere'),
  baseUrl: httpUrl.default('https://api.cohere.com'),
  /**
   * The embed `input_type` sent for every embeddings request (OpenAI's request has no such field).
   * @defaultValue search_document
   */
  embedInputType: z.enum(['search_document', 'search_query', 'classification', 'clustering']).default('search_document'),
  ...providerCommon,
});

/**
 * Amazon Bedrock's Converse API, signed with AWS Signature Version 4 (or a Bedrock API key as a bearer
 * token). Credentials left out here come from the standard AWS environment variables at start.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export const bedrockProviderSchema = z.strictObject({
  type: z.literal('bedrock'),
  /** The AWS Region, signed into every call; picks the endpoint unless `baseUrl` is set. @defaultValue `AWS_REGION` */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS Region name, e.g. "us-east-1"')
    .optional(),
  /** Another endpoint (a VPC interface endpoint, a test server). @defaultValue `https://bedrock-runtime.{region}.amazonaws.com` */
  baseUrl: httpUrl.optional(),
  /** @defaultValue `AWS_ACCESS_KEY_ID` */
  accessKeyId: z.string().min(1).optional(),
  /** @defaultValue `AWS_SECRET_ACCESS_KEY` */
  secretAccessKey: z.string().min(1).optional(),
  /** Temporary credentials' session token. @defaultValue `AWS_SESSION_TOKEN` */
  sessionToken: z.string().min(1).optional(),
  /** Converse needs no `maxTokens`; when set, sent where the client gives none. */
  defaultMaxTokens: integer({ min: 1, max: 1_000_000 }).optional(),
  ...providerCommon,
});

/** An OpenAI-compatible vendor by preset name (`mistral`, `groq`, …); `baseUrl` overrides the preset's. */
export const presetProviderSchema = z.strictObject({
  type: z.enum(openAICompatiblePresetNames),
  baseUrl: httpUrl.optional(),
  ...providerCommon,
});

export const mockProviderSchema = z.strictObject({
  type: z.literal('mock'),
  /** Simulated latency of every call. @defaultValue 0 */
  latencyMs: integer({ min: 0, max: 600_000 }).default(0),
  /** Streamed calls: the pause between two chunks (the first comes after `latencyMs`). @defaultValue 0 */
  streamIntervalMs: integer({ min: 0, max: 60_000 }).default(0),
  ...providerCommon,
  concurrency: providerCommon.concurrency.default(256),
});

export const providerSchema = z.discriminatedUnion('type', [
  openaiProviderSchema,
  anthropicProviderSchema,
  googleProviderSchema,
  azureProviderSchema,
  vertexProviderSchema,
  vertexAnthropicProviderSchema,
  cohereProviderSchema,
  bedrockProviderSchema,
  presetProviderSchema,
  mockProviderSchema,
]);

export type ProviderConfig = z.infer<typeof providerSchema>;
export type OpenAIProviderConfig = z.infer<typeof openaiProviderSchema>;
export type AnthropicProviderConfig = z.infer<typeof anthropicProviderSchema>;
export type GoogleProviderConfig = z.infer<typeof googleProviderSchema>;
export type AzureProviderConfig = z.infer<typeof azureProviderSchema>;
export type VertexProviderConfig = z.infer<typeof vertexProviderSchema>;
export type VertexAnthropicProviderConfig = z.infer<typeof vertexAnthropicProviderSchema>;
export type CohereProviderConfig = z.infer<typeof cohereProviderSchema>;
export type BedrockProviderConfig = z.infer<typeof bedrockProviderSchema>;
export type PresetProviderConfig = z.infer<typeof presetProviderSchema>;
export type MockProviderConfig = z.infer<typeof mockProviderSchema>;
