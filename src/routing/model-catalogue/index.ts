import { anthropicModels } from './anthropic-models.ts';
import { googleModels } from './google-models.ts';
import { mistralModels } from './mistral-models.ts';
import { mockModels } from './mock-models.ts';
import type { ModelDefinition } from './model-definition.ts';
import { openaiModels } from './openai-models.ts';
import { cerebrasModels, deepseekModels, fireworksModels, groqModels, perplexityModels, togetherModels, xaiModels } from './other-models.ts';

export type { CatalogueProviderType, DecimalString, IsoDate, ModelCapabilities, ModelDefinition, ModelPrices } from './model-definition.ts';

/** Every model the gateway knows, by provider; config `pricing` overrides these prices. */
export const modelCatalogue: readonly ModelDefinition[] = [
  ...openaiModels,
  ...anthropicModels,
  ...googleModels,
  ...mistralModels,
  ...groqModels,
  ...togetherModels,
  ...deepseekModels,
  ...xaiModels,
  ...fireworksModels,
  ...perplexityModels,
  ...cerebrasModels,
  ...mockModels,
];
