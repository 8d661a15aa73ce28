import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import { openAIRequestBody, openAIRequestHeaders } from '../openai/convert-to-openai-request.ts';
import type { WireRequest } from '../provider-client.ts';

export interface AzureRequestSettings {
  apiKey?: string | undefined;
  /** The `api-version` query parameter, e.g. `2024-10-21`. */
  apiVersion: string;
  headers: Record<string, string>;
}

/**
 * Azure OpenAI's Chat Completions: OpenAI's body, posted to the deployment's own URL. The route's
 * `model` is the deployment name; the body carries no `model` (the 2024-10-21 request schema has none,
 * the deployment decides). The key goes in `api-key`, not `Authorization`.
 * @see https://learn.microsoft.com/azure/ai-services/openai/reference#chat-completions
 */
export function convertToAzureRequest(input: {
  request: ChatCompletionRequest;
  upstreamModel: string;
  config: AzureRequestSettings;
  requestId: string;
}): WireRequest {
  const { model: _model, ...body } = openAIRequestBody(input.request, input.upstreamModel);
  const headers = openAIRequestHeaders({ headers: input.config.headers }, input.requestId);
  if (input.config.apiKey) headers['api-key'] = input.config.apiKey;
  const deployment = encodeURIComponent(input.upstreamModel);
  const query = new URLSearchParams({ 'api-version': input.config.apiVersion });
  return { path: `/openai/deployments/${deployment}/chat/completions?${query.toString()}`, headers, body };
}
