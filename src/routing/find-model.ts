import type { ProviderConfig } from '../config/provider-config.ts';
import { modelCatalogue, type CatalogueProviderType, type ModelDefinition } from './model-catalogue/index.ts';

/**
 * Provider types that serve another type's catalogue: an Azure OpenAI deployment runs an OpenAI
 * model at OpenAI's list price (when the deployment is named after the model, as is usual).
 * Every other type, OpenAI-compatible presets included, has entries of its own.
 */
const borrowedCatalogues: Partial<Record<ProviderConfig['type'], CatalogueProviderType>> = { azure: 'openai' };

/** The catalogue `providerType` whose entries price and describe a provider of this config `type`. */
export function catalogueProviderType(providerType: string): string {
  return Object.hasOwn(borrowedCatalogues, providerType) ? (borrowedCatalogues[providerType as ProviderConfig['type']] ?? providerType) : providerType;
}

/** Whether the provider type lists its own models in the catalogue (Azure borrows OpenAI's). */
export function hasOwnCatalogue(providerType: string): boolean {
  return catalogueProviderType(providerType) === providerType;
}

function groupByProviderType(catalogue: readonly ModelDefinition[]): Map<string, ModelDefinition[]> {
  const groups = new Map<string, ModelDefinition[]>();
  for (const definition of catalogue) {
    const group = groups.get(definition.providerType) ?? [];
    group.push(definition);
    groups.set(definition.providerType, group);
  }
  return groups;
}

// Looked up on every request: index the built-in catalogue once.
const builtInByProviderType = groupByProviderType(modelCatalogue);

/** The catalogue entries of one config provider type, in catalogue order. */
export function catalogueModelsOf(options: { providerType: string; catalogue?: readonly ModelDefinition[] }): readonly ModelDefinition[] {
  const type = catalogueProviderType(options.providerType);
  if (!options.catalogue) return builtInByProviderType.get(type) ?? [];
  return options.catalogue.filter((definition) => definition.providerType === type);
}

/**
 * The catalogue entry for an upstream model: an exact id, else the longest id that prefixes the
 * model and is followed by `-` (so `gpt-4o-mini-2024-07-18` is `gpt-4o-mini`, while `gpt-4omni`
 * matches nothing). Unknown models are undefined.
 */
export function findModelDefinition(options: { providerType: string; model: string; catalogue?: readonly ModelDefinition[] }): ModelDefinition | undefined {
  let best: ModelDefinition | undefined;
  for (const definition of catalogueModelsOf(options)) {
    const matches = options.model === definition.id || options.model.startsWith(`${definition.id}-`);
    if (matches && (!best || definition.id.length > best.id.length)) best = definition;
  }
  return best;
}
