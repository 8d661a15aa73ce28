import { buildCatalogue } from './build-catalogue.ts';
import { CatalogueIndex } from './catalogue-index.ts';
import { loadCatalogueSources } from './load-catalogue-packages.ts';
import { modelOverlay } from './overlay.ts';

export { catalogueProviderType, catalogueSources, hasOwnCatalogue } from './catalogue-providers.ts';
export { CatalogueIndex } from './catalogue-index.ts';
export { catalogueProviderTypes } from './model-definition.ts';
export type { CatalogueProviderType, DecimalString, IsoDate, ModelCapabilities, ModelDefinition, ModelDefinitionSource, ModelPrices, PriceTier, TierablePrices } from './model-definition.ts';

/**
 * Every model the gateway knows, built once when the process starts from the pinned catalogue
 * packages and the overlay; config `pricing` overrides these prices.
 */
export const catalogueIndex = new CatalogueIndex(buildCatalogue({ ...loadCatalogueSources(), overlay: modelOverlay, now: new Date() }));

export const modelCatalogue = catalogueIndex.definitions;
