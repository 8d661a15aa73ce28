import { z } from 'zod';

/**
 * OpenAI's embeddings answer (`POST /embeddings`), as far as the gateway reads it. Loose, and lenient
 * where OpenAI-wire servers differ: Azure's examples carry neither `object` nor `model`, some servers
 * leave out `index` (then the position counts) or `usage` (then the gateway estimates it). Vectors must
 * be floats: the gateway always asks for `encoding_format: "float"`.
 * @see https://platform.openai.com/docs/api-reference/embeddings/object
 */
export const openAIEmbeddingsResponseSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      index: z.number().int().min(0).optional(),
      embedding: z.array(z.number()),
    }),
  ),
  model: z.string().optional(),
  usage: z
    .looseObject({
      prompt_tokens: z.number().int().min(0),
      total_tokens: z.number().int().min(0).optional(),
    })
    .nullish(),
});

export type OpenAIEmbeddingsResponse = z.infer<typeof openAIEmbeddingsResponseSchema>;
