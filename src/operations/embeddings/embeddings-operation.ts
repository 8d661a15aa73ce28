import { countEmbeddingTokens, maxEmbeddingTokens } from '../../tokens/count-request-tokens.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import type { Operation } from '../operation.ts';
import { embeddingInputs, type EmbeddingsRequest, type EmbeddingsVectors } from '../../providers/embeddings-schemas.ts';

export const embeddingsPath = '/v1/embeddings';

/** Embeddings: served by providers whose client has the `embeddings` capability, to embedding models. */
export const embeddingsOperation: Operation<EmbeddingsRequest, EmbeddingsVectors> = {
  name: 'embeddings',
  path: embeddingsPath,
  servedBy: (client) => client.embeddings !== undefined,
  checkModel: (request, model) => {
    if (!model || model.kind === 'embeddings') return undefined;
    return {
      capability: 'embeddings',
      param: 'model',
      message: `The model '${request.model}'${request.model === model.id ? '' : ` (${model.id})`} does not create embeddings; choose an embeddings model.`,
    };
  },
  capabilityKey: () => 'embeddings',
  estimateInputTokens: countEmbeddingTokens,
  maxInputTokens: maxEmbeddingTokens,
  maxOutputTokens: () => undefined,
  streams: () => false,
  ruleTraits: (request) => ({
    images: false,
    tools: false,
    jsonSchema: false,
    metadata: {},
    system: '',
    conversation: embeddingInputs(request)
      .filter((input): input is string => typeof input === 'string')
      .join('\n'),
  }),
  call: async ({ client, request, context }) => {
    if (!client.embeddings) {
      throw new ProviderError({
        provider: client.name,
        status: 400,
        code: 'unsupported_capability',
        message: `provider "${client.name}" (${client.type}) does not serve embeddings`,
        retryable: false,
      });
    }
    const { vectors, usage, warnings } = await client.embeddings.embed(request, context);
    return { response: vectors, usage, ...(warnings ? { warnings } : {}) };
  },
  isCacheable: (vectors) => vectors.data.length > 0,
  describeRequest: (request) => (request.dimensions == null ? {} : { dimensions: request.dimensions }),
  describeResponse: (vectors) => ({ model: vectors.model }),
};
