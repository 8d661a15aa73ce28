import { openAIEmbeddingsBody } from '../../openai/embeddings/convert-to-openai-embeddings-request.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { azureDeploymentRequest, type AzureRequestSettings } from '../chat/convert-to-azure-request.ts';

/**
 * Azure OpenAI's embeddings: OpenAI's body, posted to the deployment's `embeddings` URL, as chat is.
 * The body carries no `model` (the deployment decides) and no `encoding_format`: floats are the default
 * on every api-version, and older api-versions refuse the field as an unrecognized request argument.
 * @see https://learn.microsoft.com/azure/ai-services/openai/reference#embeddings
 */
export function convertToAzureEmbeddingsRequest(input: BuildEmbeddingsRequestInput<AzureRequestSettings>): WireRequest {
  const { model: _model, encoding_format: _encodingFormat, ...body } = openAIEmbeddingsBody(input.request, input.upstreamModel);
  return azureDeploymentRequest(input, 'embeddings', body);
}
