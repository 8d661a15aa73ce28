/** A price in USD per 1M tokens, written as a decimal string so money is never a float. */
export type DecimalString = `${number}`;

/** A calendar date, `YYYY-MM-DD`. */
export type IsoDate = `${number}-${number}-${number}`;

/**
 * Whose models the catalogue lists. Its own union, not the config's provider types: a config `type`
 * maps onto one of these with `catalogueProviderType` (Azure onto `openai`, local servers onto none).
 */
export const catalogueProviderTypes = [
  'openai',
  'anthropic',
  'google',
  'mistral',
  'groq',
  'together',
  'deepseek',
  'xai',
  'fireworks',
  'openrouter',
  'perplexity',
  'cerebras',
  'bedrock',
  'vertex',
  'vertex-anthropic',
  'cohere',
  'sambanova',
  'nebius',
  'novita',
  'moonshot',
  'dashscope',
  'hyperbolic',
  'mock',
] as const;

export type CatalogueProviderType = (typeof catalogueProviderTypes)[number];

export interface ModelCapabilities {
  /** Accepts `tools` (function calling). */
  tools: boolean;
  /** Accepts `image_url` content parts. */
  vision: boolean;
  /** Honours `response_format` `json_object` / `json_schema`. */
  jsonMode: boolean;
}

/** The per-token rates that can change with the size of a prompt. */
export interface TierablePrices {
  input: DecimalString;
  /** Input tokens read from the provider's prompt cache; absent = billed as `input`. */
  cachedInput?: DecimalString;
  /** Input tokens written to the prompt cache (Anthropic's 5-minute cache); absent = `input`. */
  cacheWriteInput?: DecimalString;
  /** Input tokens written to Anthropic's 1-hour prompt cache; absent = `cacheWriteInput`. */
  cacheWrite1hInput?: DecimalString;
  output: DecimalString;
}

/**
 * Rates that replace the base ones for a whole request whose input (cached and cache-write tokens
 * included) is more than `aboveInputTokens`, as Google and Anthropic bill long prompts.
 */
export interface PriceTier extends Partial<TierablePrices> {
  aboveInputTokens: number;
}

/** USD per 1M tokens at the provider's standard (not batch, not priority) tier. */
export interface ModelPrices extends TierablePrices {
  /** Reasoning tokens, where the provider prices them apart from output; absent = `output`. */
  reasoningOutput?: DecimalString;
  /** Input through the provider's batch API, where its pricing page lists a batch price; absent = the provider's batch discount × `input`. */
  batchInput?: DecimalString;
  /** Output through the provider's batch API; absent = the provider's batch discount × `output`. */
  batchOutput?: DecimalString;
  /** Higher rates for long prompts, by ascending `aboveInputTokens`. */
  tiers?: readonly PriceTier[];
}

/** How a model id is recognised: the catalogue package's match rules (dated snapshots, aliases). */
export type ModelMatch =
  { equals: string } | { starts_with: string } | { ends_with: string } | { contains: string } | { regex: string } | { or: readonly ModelMatch[] } | { and: readonly ModelMatch[] };

/** Where an entry's facts come from: the pinned catalogue packages, or the gateway's own overlay. */
export type ModelDefinitionSource = 'catalogue-package' | 'overlay';

/**
 * One upstream model as a provider serves it. A request's model id is this entry's when it equals
 * `id`, satisfies `match`, or starts with `id` followed by `-` (a dated snapshot).
 */
export interface ModelDefinition {
  providerType: CatalogueProviderType;
  /** What the model does: chat completions (the default) or embeddings. */
  kind?: 'chat' | 'embeddings';
  /** Embeddings models: the length of a vector when the request sets no `dimensions`. */
  dimensions?: number;
  /** The model name the provider's API expects. */
  id: string;
  /** Other ids that name this model (dated snapshots, aliases). */
  match?: ModelMatch;
  /** Most tokens of input and output together; absent when no source states it. */
  contextWindow?: number;
  /** Most tokens one response may generate; absent when no source states it. */
  maxOutputTokens?: number;
  capabilities: ModelCapabilities;
  /** Absent when no source prices the model: its calls are recorded with an unknown cost. */
  prices?: ModelPrices;
  /** The provider retires or has retired the model. */
  deprecated?: boolean;
  /** When the provider stops serving it, where known. */
  sunsetDate?: IsoDate;
  releaseDate?: IsoDate;
  source: ModelDefinitionSource;
}
