import { catalogueSources } from './catalogue-providers.ts';
import { matchesModelId, normaliseSnapshotDate } from './match-model-id.ts';
import type { CatalogueProviderType, ModelDefinition } from './model-definition.ts';

/** Lookups remembered before the cache starts over (request model ids are client input, so it is bounded). */
const cachedLookups = 20_000;

/**
 * The catalogue indexed for the request path: entries by type and id, and every (type, model id)
 * answer remembered, so the match rules run once per distinct model id.
 */
export class CatalogueIndex {
  private readonly byType = new Map<string, ModelDefinition[]>();
  private readonly byId = new Map<string, ModelDefinition>();
  private readonly lookups = new Map<string, ModelDefinition | null>();

  constructor(readonly definitions: readonly ModelDefinition[]) {
    for (const definition of definitions) {
      const group = this.byType.get(definition.providerType) ?? [];
      group.push(definition);
      this.byType.set(definition.providerType, group);
      this.byId.set(`${definition.providerType}\u0000${definition.id.toLowerCase()}`, definition);
    }
  }

  /** The entries of one catalogue type, in catalogue order. */
  modelsOf(type: CatalogueProviderType): readonly ModelDefinition[] {
    return this.byType.get(type) ?? [];
  }

  /**
   * The entry for an upstream model: an exact id; else the first entry whose match rules accept it
   * (the package's order); else the longest id of an entry without match rules (an overlay entry)
   * that prefixes it followed by `-` (a dated snapshot);
   * tried again with the type's prefix or suffix dropped and with a compact date spelled out.
   */
  find(type: CatalogueProviderType, model: string): ModelDefinition | undefined {
    const key = `${type}\u0000${model}`;
    const cached = this.lookups.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.search(type, model) ?? null;
    if (this.lookups.size >= cachedLookups) this.lookups.clear();
    this.lookups.set(key, found);
    return found ?? undefined;
  }

  private search(type: CatalogueProviderType, model: string): ModelDefinition | undefined {
    const strip = type !== 'mock' && Object.hasOwn(catalogueSources, type) ? catalogueSources[type].stripFromModelId : undefined;
    const stripped = strip ? model.replace(strip, '') : model;
    const candidates = [...new Set([model, stripped, normaliseSnapshotDate(stripped)])];
    for (const candidate of candidates) {
      const found = this.searchOne(type, candidate);
      if (found) return found;
    }
    return undefined;
  }

  private searchOne(type: CatalogueProviderType, model: string): ModelDefinition | undefined {
    const exact = this.byId.get(`${type}\u0000${model.toLowerCase()}`);
    if (exact) return exact;
    const entries = this.modelsOf(type);
    const matched = entries.find((definition) => definition.match !== undefined && matchesModelId(definition.match, model));
    if (matched) return matched;
    // Entries with match rules name their snapshots themselves (`claude-sonnet-5-5` is not a `claude-sonnet-5`).
    let best: ModelDefinition | undefined;
    for (const definition of entries) {
      if (definition.match === undefined && model.startsWith(`${definition.id}-`) && (!best || definition.id.length > best.id.length)) best = definition;
    }
    return best;
  }
}
