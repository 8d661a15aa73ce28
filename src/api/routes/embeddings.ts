import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toEmbeddingsAnswer } from '../../operations/embeddings/embeddings-answer.ts';
import { embeddingsRequestSchema, type EmbeddingsVectors } from '../../providers/embeddings-schemas.ts';
import type { AppDependencies } from '../app.ts';
import { createEmbeddingResponseSchema, embeddingsErrorCodes } from '../openapi-schemas.ts';

/**
 * OpenAI's `POST /v1/embeddings` over every provider that embeds: the same pipeline as chat (cache,
 * plan, limits, queue, retries, fallback, records, usage). Vectors travel as floats; the answer is
 * encoded here when the client asked for `encoding_format: base64`.
 */
export function embeddingsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { idempotency } = dependencies;
  return async (app) => {
    app.post(
      '/embeddings',
      {
        schema: {
          operationId: 'createEmbedding',
          summary: 'Create embeddings',
          description: 'One vector per input (a string, an array of strings, or token arrays; at most 2,048 inputs).',
          body: embeddingsRequestSchema,
          response: { 200: createEmbeddingResponseSchema },
          errorCodes: embeddingsErrorCodes,
        },
        // The answer was checked where it was made (the provider's converter, the cache entry).
        serializerCompiler: () => (data) => JSON.stringify(data),
        ...idempotency.routeOptions,
      },
      async (request, reply) =>
        idempotency.run(request, reply, async () => {
          const body = request.body;
          const outcome = await dependencies.syncRequests.run({ request, reply, payload: { operation: 'embeddings', request: body }, format: 'embeddings' });
          if (outcome.source === 'cache') return toEmbeddingsAnswer(outcome.answer.response as EmbeddingsVectors, body, '0');
          if (outcome.source === 'provider') return toEmbeddingsAnswer(outcome.response as EmbeddingsVectors, body, outcome.cost);
          return reply;
        }),
    );
  };
}
