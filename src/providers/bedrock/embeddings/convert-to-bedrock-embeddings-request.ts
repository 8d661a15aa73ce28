import { embeddingInputs } from '../../embeddings-schemas.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { bedrockRequestError } from '../bedrock-request-error.ts';
import type { BedrockRequestSettings } from '../chat/convert-to-bedrock-request.ts';
import { bedrockEmbeddingFamily, maxBedrockEmbeddingInputs, type CohereEmbeddingRequest, type TitanEmbeddingRequest } from './bedrock-embeddings-schemas.ts';

/** Request fields this converter translates (`encoding_format` is the gateway's own, applied at the edge). */
const translatedFields = new Set(['model', 'input', 'dimensions', 'encoding_format']);

/**
 * OpenAI embeddings request → InvokeModel on a Titan or Cohere embedding model (pure). Titan Text
 * Embeddings V2 takes one `inputText` (the shared client sends one call per input) and `dimensions`;
 * Cohere takes up to 96 `texts`, embedded as `search_document`, and on Embed v4 `output_dimension`.
 * Other models, token arrays and too many inputs are refused with a 400; `dimensions` a model cannot
 * honour and unknown fields are dropped with a warning.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
 */
export function convertToBedrockEmbeddingsRequest(input: BuildEmbeddingsRequestInput<BedrockRequestSettings>): WireRequest {
  const { request, upstreamModel, config } = input;
  const family = bedrockEmbeddingFamily(upstreamModel);
  if (!family) {
    throw bedrockRequestError({ param: 'model', message: `Bedrock embeddings are served for Amazon Titan Text Embeddings and Cohere Embed models; "${upstreamModel}" is neither.` });
  }
  const texts = embeddingInputs(request).map((item) => {
    if (typeof item !== 'string') throw bedrockRequestError({ param: 'input', message: 'Bedrock embeddings take text; token arrays are not supported.' });
    return item;
  });
  const most = maxBedrockEmbeddingInputs(upstreamModel) ?? texts.length;
  if (texts.length > most) throw bedrockRequestError({ param: 'input', message: `${upstreamModel} embeds at most ${most} input(s) in one call; this one has ${texts.length}.` });
  const warnings: string[] = [];
  for (const [field, value] of Object.entries(request)) {
    if (!translatedFields.has(field) && value !== null && value !== undefined) warnings.push(`${field} is not supported by Bedrock embeddings and was dropped`);
  }
  const dimensions = request.dimensions ?? undefined;
  let body: TitanEmbeddingRequest | CohereEmbeddingRequest;
  if (family === 'titan-v1' || family === 'titan-v2') {
    body = { inputText: texts[0] ?? '' };
    if (dimensions !== undefined && family === 'titan-v2') Object.assign(body, { dimensions, normalize: true });
  } else {
    body = { texts, input_type: 'search_document', embedding_types: ['float'] };
    if (dimensions !== undefined && family === 'cohere-v4') body.output_dimension = dimensions;
  }
  if (dimensions !== undefined && (family === 'titan-v1' || family === 'cohere-v3')) warnings.push(`dimensions is not supported by ${upstreamModel} and was dropped`);
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...config.headers };
  return { path: `/model/${encodeURIComponent(upstreamModel)}/invoke`, headers, body, ...(warnings.length > 0 ? { warnings } : {}) };
}
