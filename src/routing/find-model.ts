import { catalogueIndex, catalogueProviderType, type CatalogueIndex, type ModelDefinition } from './model-catalogue/index.ts';

export { catalogueProviderType, hasOwnCatalogue } from './model-catalogue/index.ts';

/** The catalogue entries of one config provider type, in catalogue order (none for local servers). */
export function catalogueModelsOf(options: { providerType: string; catalogue?: CatalogueIndex }): readonly ModelDefinition[] {
  const type = catalogueProviderType(options.providerType);
  return type ? (options.catalogue ?? catalogueIndex).modelsOf(type) : [];
}

/**
 * The catalogue entry for an upstream model of a provider of this config `type` (see
 * `CatalogueIndex.find`: exact id, the package's match rules, then a dated snapshot of an id).
 * Unknown models are undefined. Answers are cached: this runs on every request.
 */
export function findModelDefinition(options: { providerType: string; model: string; catalogue?: CatalogueIndex }): ModelDefinition | undefined {
  const type = catalogueProviderType(options.providerType);
  return type ? (options.catalogue ?? catalogueIndex).find(type, options.model) : undefined;
}
