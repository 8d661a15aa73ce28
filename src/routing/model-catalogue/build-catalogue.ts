import { catalogueSources } from './catalogue-providers.ts';
import { convertModelsDevModel, convertPackageModel, fillFromModelsDev } from './convert-package-model.ts';
import type { ModelsDevModel, PackageProvider } from './genai-prices-schemas.ts';
import { matchesModelId } from './match-model-id.ts';
import type { CatalogueProviderType, ModelDefinition } from './model-definition.ts';
import type { OverlayEntry } from './overlay.ts';

/** What the catalogue is built from: package data by package provider id, and the overlay. */
export interface CatalogueInputs {
  genaiPrices: ReadonlyMap<string, PackageProvider>;
  modelsDev: ReadonlyMap<string, readonly ModelsDevModel[]>;
  overlay: readonly OverlayEntry[];
  /** Picks dated prices (a price change announced in the package takes effect on its date). */
  now: Date;
}

function findModelsDev(definition: ModelDefinition, candidates: readonly ModelsDevModel[]): ModelsDevModel | undefined {
  return candidates.find((model) => model.id === definition.id) ?? (definition.match ? candidates.find((model) => matchesModelId(definition.match!, model.id)) : undefined);
}

function packageEntries(type: Exclude<CatalogueProviderType, 'mock'>, inputs: CatalogueInputs): ModelDefinition[] {
  const sources = catalogueSources[type];
  const modelsDev = sources.modelsDev.flatMap((id) => inputs.modelsDev.get(id) ?? []);
  const entries: ModelDefinition[] = [];
  const seen = new Set<string>();
  for (const providerId of sources.genaiPrices) {
    for (const model of inputs.genaiPrices.get(providerId)?.models ?? []) {
      if (sources.exclude?.test(model.id) || (sources.include && !sources.include.test(model.id)) || seen.has(model.id)) continue;
      const definition = convertPackageModel({ providerType: type, model, now: inputs.now });
      if (!definition) continue;
      seen.add(model.id);
      const extra = findModelsDev(definition, modelsDev);
      entries.push(extra ? fillFromModelsDev(definition, extra) : definition);
    }
  }
  if (sources.modelsDevPrices) {
    for (const model of modelsDev) {
      if (seen.has(model.id)) continue;
      const definition = convertModelsDevModel({ providerType: type, model });
      if (definition) entries.push(definition) && seen.add(model.id);
    }
  }
  return entries;
}

/** Applies the overlay: a patch merges into the package entry it names, anything else is an entry of its own. */
function applyOverlay(entries: ModelDefinition[], overlay: readonly OverlayEntry[]): ModelDefinition[] {
  const byKey = new Map(entries.map((entry, index) => [`${entry.providerType}/${entry.id}`, index]));
  const result = [...entries];
  for (const patch of overlay) {
    const key = `${patch.providerType}/${patch.id}`;
    const index = byKey.get(key);
    if (index !== undefined) {
      const current = result[index]!;
      result[index] = { ...current, ...patch, capabilities: { ...current.capabilities, ...patch.capabilities } };
    } else if (patch.capabilities) {
      byKey.set(key, result.length);
      result.push({ ...patch, capabilities: patch.capabilities, source: 'overlay' });
    } else {
      throw new Error(`model overlay: ${key} patches no catalogue entry and is no entry of its own (it has no capabilities)`);
    }
  }
  return result;
}

/** Every catalogue entry: the packages' models per catalogue type, then the overlay over them. */
export function buildCatalogue(inputs: CatalogueInputs): ModelDefinition[] {
  const types = Object.keys(catalogueSources) as Array<Exclude<CatalogueProviderType, 'mock'>>;
  return applyOverlay(
    types.flatMap((type) => packageEntries(type, inputs)),
    inputs.overlay,
  );
}
