import { toDecimalPrice } from './decimal-price.ts';
import type { PackageConditionalPrice, PackageModel, PackageModelPrice, PackagePrice, ModelsDevModel } from './genai-prices-schemas.ts';
import type { CatalogueProviderType, DecimalString, IsoDate, ModelCapabilities, ModelDefinition, ModelPrices, PriceTier, TierablePrices } from './model-definition.ts';

/** Package price keys (USD per 1M tokens) the gateway bills, by the name it gives them. */
const tierableKeys = {
  input: 'input_mtok',
  cachedInput: 'cache_read_mtok',
  cacheWriteInput: 'cache_write_mtok',
  cacheWrite1hInput: 'cache_write_1h_mtok',
  output: 'output_mtok',
} as const satisfies Record<keyof TierablePrices, string>;

/** Models that are not chat completions or embeddings (speech, images, video, realtime audio, OCR, reranking). */
const notChatOrEmbeddings = /(?:^|[-_/.:])(?:tts|whisper|transcribe|realtime|audio|image|images|dall-e|imagen|veo|sora|moderation|speech|rerank|ocr|voice|live|lyria|computer-use)(?=$|[-_/.:@\d])/i;

const embeddings = /embed/i;

/** Chat completions, embeddings, or neither (then the gateway does not list it). */
export function modelKind(id: string): 'chat' | 'embeddings' | undefined {
  if (notChatOrEmbeddings.test(id)) return undefined;
  return embeddings.test(id) ? 'embeddings' : 'chat';
}

/**
 * The prices in force at `now`: the latest `start_date` price that has begun. Where the provider
 * also bills some hours of the day at another rate (DeepSeek's peak hours), the dearer of the two is
 * taken: the gateway bills one rate whatever the hour, and an upper bound never under-reports spend.
 */
export function selectCurrentPrices(prices: PackageModelPrice | readonly PackageConditionalPrice[], now: Date): PackageModelPrice {
  if (!Array.isArray(prices)) return prices as PackageModelPrice;
  let current: PackageModelPrice | undefined;
  const hourly: PackageModelPrice[] = [];
  for (const entry of prices as readonly PackageConditionalPrice[]) {
    const constraint = entry.constraint;
    if (constraint === undefined) current ??= entry.prices;
    else if (constraint.type === 'start_date' && now >= new Date(constraint.start_date)) current = entry.prices;
    else if (constraint.type === 'time_of_date') hourly.push(entry.prices);
  }
  const standard = current ?? (prices[0] as PackageConditionalPrice).prices;
  return [standard, ...hourly].reduce((dearest, candidate) => (inputRate(candidate) > inputRate(dearest) ? candidate : dearest));
}

function inputRate(price: PackageModelPrice): number {
  const input = price['input_mtok'];
  return input === undefined ? 0 : typeof input === 'number' ? input : input.base;
}

function basePrice(price: PackagePrice | undefined): DecimalString | undefined {
  if (price === undefined) return undefined;
  return toDecimalPrice(typeof price === 'number' ? price : price.base);
}

/** The package's per-key tiers as rows: each row holds every tiered key's rate above its threshold. */
function convertTiers(price: PackageModelPrice): PriceTier[] {
  const starts = new Set<number>();
  for (const key of Object.values(tierableKeys)) {
    const value = price[key];
    if (value !== undefined && typeof value !== 'number') for (const tier of value.tiers) starts.add(tier.start);
  }
  return [...starts]
    .sort((a, b) => a - b)
    .map((start) => {
      const row: PriceTier = { aboveInputTokens: start };
      for (const [name, key] of Object.entries(tierableKeys) as Array<[keyof TierablePrices, string]>) {
        const value = price[key];
        if (value === undefined || typeof value === 'number') continue;
        const reached = value.tiers.filter((tier) => tier.start <= start).sort((a, b) => a.start - b.start);
        const rate = toDecimalPrice(reached.at(-1)?.price ?? value.base);
        if (rate !== undefined) row[name] = rate;
      }
      return row;
    });
}

/** The package's prices in the gateway's terms; undefined when input or (for chat) output is not priced. */
export function convertPackagePrices(price: PackageModelPrice, kind: 'chat' | 'embeddings'): ModelPrices | undefined {
  const input = basePrice(price[tierableKeys.input]);
  // An embeddings call generates no tokens: whatever output price a package lists is never charged.
  const output = kind === 'embeddings' ? '0' : basePrice(price[tierableKeys.output]);
  if (input === undefined || output === undefined) return undefined;
  const optional = {
    cachedInput: basePrice(price[tierableKeys.cachedInput]),
    cacheWriteInput: basePrice(price[tierableKeys.cacheWriteInput]),
    cacheWrite1hInput: basePrice(price[tierableKeys.cacheWrite1hInput]),
    reasoningOutput: basePrice(price['output_reasoning_mtok']),
  };
  const tiers = convertTiers(price);
  return {
    input,
    output,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    ...(tiers.length > 0 ? { tiers } : {}),
  };
}

const chatDefaults: ModelCapabilities = { tools: true, vision: true, jsonMode: true };
const embeddingsCapabilities: ModelCapabilities = { tools: false, vision: false, jsonMode: false };

/** A genai-prices model as a catalogue entry; undefined for models that are not chat or embeddings. */
export function convertPackageModel(options: { providerType: CatalogueProviderType; model: PackageModel; now: Date }): ModelDefinition | undefined {
  const { model, providerType } = options;
  const kind = modelKind(model.id);
  if (!kind) return undefined;
  const prices = convertPackagePrices(selectCurrentPrices(model.prices, options.now), kind);
  return {
    providerType,
    ...(kind === 'embeddings' ? { kind } : {}),
    id: model.id,
    match: model.match,
    ...(model.context_window === undefined ? {} : { contextWindow: model.context_window }),
    ...(kind === 'embeddings' ? { maxOutputTokens: 0 } : {}),
    // Unknown capabilities let the request through: the provider decides.
    capabilities: kind === 'embeddings' ? embeddingsCapabilities : chatDefaults,
    ...(prices ? { prices } : {}),
    ...(model.deprecated ? { deprecated: true } : {}),
    source: 'catalogue-package',
  };
}

function isoDate(value: string | undefined): IsoDate | undefined {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? (value as IsoDate) : undefined;
}

/** What models.dev adds to an entry: output limit, vision and tool calling, release date (and a context window the entry lacks). */
export function fillFromModelsDev(definition: ModelDefinition, model: ModelsDevModel): ModelDefinition {
  if (definition.kind === 'embeddings') return definition;
  const vision = model.modalities ? model.modalities.input.includes('image') : model.attachment;
  const releaseDate = isoDate(model.release_date);
  return {
    ...definition,
    ...(definition.contextWindow === undefined && model.limit?.context ? { contextWindow: model.limit.context } : {}),
    ...(model.limit?.output ? { maxOutputTokens: model.limit.output } : {}),
    capabilities: { ...definition.capabilities, ...(model.tool_call === undefined ? {} : { tools: model.tool_call }), ...(vision === undefined ? {} : { vision }) },
    ...(releaseDate ? { releaseDate } : {}),
  };
}

/** A models.dev model as an entry of its own, for a type genai-prices does not cover. */
export function convertModelsDevModel(options: { providerType: CatalogueProviderType; model: ModelsDevModel }): ModelDefinition | undefined {
  const { model } = options;
  const kind = modelKind(model.id);
  if (!kind) return undefined;
  const input = toDecimalPrice(model.cost?.input);
  const output = kind === 'embeddings' ? '0' : toDecimalPrice(model.cost?.output);
  const cachedInput = toDecimalPrice(model.cost?.cache_read);
  const cacheWriteInput = toDecimalPrice(model.cost?.cache_write);
  const base: ModelDefinition = {
    providerType: options.providerType,
    ...(kind === 'embeddings' ? { kind, maxOutputTokens: 0 } : {}),
    id: model.id,
    capabilities: kind === 'embeddings' ? embeddingsCapabilities : chatDefaults,
    ...(input !== undefined && output !== undefined
      ? { prices: { input, output, ...(cachedInput === undefined ? {} : { cachedInput }), ...(cacheWriteInput === undefined ? {} : { cacheWriteInput }) } }
      : {}),
    source: 'catalogue-package',
  };
  return fillFromModelsDev(base, model);
}
