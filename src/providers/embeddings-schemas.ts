import { z } from 'zod';

/** OpenAI's limit on inputs per embeddings request, and so the gateway's for every provider. */
export const maxEmbeddingInputs = 2048;

const tokenArray = z.array(z.number().int().min(0), { error: 'input token arrays hold non-negative integers' }).min(1, { error: 'input must not hold an empty token array' });
const nonEmptyText = z.string().min(1, { error: 'input must not hold an empty string' });

/**
 * The gateway's embeddings request: OpenAI's `POST /v1/embeddings` body. `input` is one text, a list
 * of texts, one token array or a list of token arrays; every form counts as a list of inputs (at most
 * {@link maxEmbeddingInputs}, none empty). Unknown fields pass through to OpenAI-wire providers.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z
    .union([nonEmptyText, z.array(nonEmptyText).min(1, { error: 'input must not be an empty list' }), tokenArray, z.array(tokenArray).min(1, { error: 'input must not be an empty list' })], {
      error: (issue) => (issue.input === undefined ? 'input is missing' : 'input must be a non-empty string, an array of non-empty strings, or token arrays'),
    })
    // Counted after the form is known: one token array is one input, however long.
    .refine((input) => !Array.isArray(input) || typeof input[0] === 'number' || input.length <= maxEmbeddingInputs, {
      error: `input holds more than ${maxEmbeddingInputs} items`,
    }),
  dimensions: z.number().int().min(1).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** One input of a request: a text or a token array. */
export type EmbeddingInput = string | number[];

/** The request's inputs as a list, whatever form `input` took. */
export function embeddingInputs(request: Pick<EmbeddingsRequest, 'input'>): EmbeddingInput[] {
  const { input } = request;
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as EmbeddingInput[];
}

export const embeddingSchema = z.looseObject({
  object: z.literal('embedding'),
  index: z.number().int(),
  embedding: z.union([z.array(z.number()), z.string()]),
});

/** The answer as the gateway returns it (OpenAI's shape); vectors as floats until the edge encodes them. */
export const embeddingsResponseSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(embeddingSchema),
  model: z.string(),
  usage: z.looseObject({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
});

export type EmbeddingsResponse = z.infer<typeof embeddingsResponseSchema>;

/** A provider's answer before the edge: every vector as floats, in input order (what records and the cache keep). */
export const embeddingsVectorsSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ object: z.literal('embedding'), index: z.number().int(), embedding: z.array(z.number()) })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
});

export type EmbeddingsVectors = z.infer<typeof embeddingsVectorsSchema>;

/**
 * A vector as OpenAI's `encoding_format: "base64"` sends it: the little-endian float32 bytes, base64.
 * (The official SDKs decode exactly this.)
 */
export function encodeVectorBase64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [position, value] of vector.entries()) bytes.writeFloatLE(value, position * 4);
  return bytes.toString('base64');
}
