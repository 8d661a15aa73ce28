import type { ProviderConfig } from '../../config/provider-config.ts';

/** A price in USD per 1M tokens, written as a decimal string so money is never a float. */
export type DecimalString = `${number}`;

/** A calendar date, `YYYY-MM-DD`. */
export type IsoDate = `${number}-${number}-${number}`;

/**
 * The config `type` whose models the catalogue lists. Azure has no entries of its own: it deploys
 * OpenAI's models at OpenAI's list prices (see `catalogueProviderType`).
 */
export type CatalogueProviderType = Exclude<ProviderConfig['type'], 'azure'>;

export interface ModelCapabilities {
  /** Accepts `tools` (function calling). */
  tools: boolean;
  /** Accepts `image_url` content parts. */
  vision: boolean;
  /** Honours `response_format` `json_object` / `json_schema`. */
  jsonMode: boolean;
}

/** USD per 1M tokens at the provider's standard (not batch, not priority) tier. */
export interface ModelPrices {
  input: DecimalString;
  /** Input tokens read from the provider's prompt cache; absent = billed as `input`. */
  cachedInput?: DecimalString;
  /** Input tokens written to the prompt cache (Anthropic bills them above `input`); absent = `input`. */
  cacheWriteInput?: DecimalString;
  output: DecimalString;
  /** Input through the provider's batch API, where its pricing page lists a batch price; absent = the provider's batch discount × `input`. */
  batchInput?: DecimalString;
  /** Output through the provider's batch API; absent = the provider's batch discount × `output`. */
  batchOutput?: DecimalString;
}

/**
 * One upstream model as a provider serves it. Dated snapshots (`gpt-4o-mini-2024-07-18`,
 * `claude-haiku-4-5-20251001`) match their base entry: the longest `id` followed by `-` wins.
 */
export interface ModelDefinition {
  providerType: CatalogueProviderType;
  /** What the model does: chat completions (the default) or embeddings. */
  kind?: 'chat' | 'embeddings';
  /** Embeddings models: the length of a vector when the request sets no `dimensions`. */
  dimensions?: number;
  /** The model name the provider's API expects. */
  id: string;
  /** Most tokens of input and output together. */
  contextWindow: number;
  /** Most tokens one response may generate. */
  maxOutputTokens: number;
  capabilities: ModelCapabilities;
  prices: ModelPrices;
  /** When the prices were taken from the provider's pricing page. */
  pricedAt: IsoDate;
}
