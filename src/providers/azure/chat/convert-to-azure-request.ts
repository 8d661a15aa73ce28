import { anthropicOnlyWarnings, openAIRequestBody, openAIRequestHeaders, withStreaming } from '../../openai/chat/convert-to-openai-request.ts';
import type { BuildChatRequestInput, WireRequest } from '../../provider-client.ts';

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
export function convertToAzureRequest(input: BuildChatRequestInput<AzureRequestSettings>): WireRequest {
  return azureWireRequest(input, openAIRequestBody(input.request, input.upstreamModel));
}

/**
 * The same call, streamed. The usage chunk is asked for where the api-version knows `stream_options`
 * (see {@link azureAcceptsStreamOptions}); older versions refuse the whole request for it, so they get
 * none and send no usage.
 */
export function convertToAzureStreamRequest(input: BuildChatRequestInput<AzureRequestSettings>): WireRequest {
  const body = openAIRequestBody(input.request, input.upstreamModel);
  return azureWireRequest(input, withStreaming(body, input.request, { includeUsage: azureAcceptsStreamOptions(input.config.apiVersion) }));
}

/** The first api-version whose request schema has `stream_options` (GA from 2024-10-21). */
const firstApiVersionWithStreamOptions = '2024-09-01';

/**
 * Whether the api-version takes `stream_options`: versions from 2024-09-01-preview on do; earlier ones
 * answer 400. A version that is not a date (the v1 API's `preview`, `latest`) is current.
 * @see https://github.com/Azure/azure-rest-api-specs/issues/29157
 */
export function azureAcceptsStreamOptions(apiVersion: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return date === undefined || date >= firstApiVersionWithStreamOptions;
}

function azureWireRequest(input: BuildChatRequestInput<AzureRequestSettings>, openAIBody: Record<string, unknown>): WireRequest {
  const { model: _model, ...body } = openAIBody;
  const wire = azureDeploymentRequest(input, 'chat/completions', body);
  const warnings = anthropicOnlyWarnings(input.request);
  return warnings ? { ...wire, warnings: [...(wire.warnings ?? []), ...warnings] } : wire;
}

/**
 * A call to one of the deployment's operations (`chat/completions`, `embeddings`): the deployment's own
 * URL with the api-version query, the key in `api-key`.
 */
export function azureDeploymentRequest(input: { upstreamModel: string; config: AzureRequestSettings; requestId: string }, operation: string, body: unknown): WireRequest {
  const headers = openAIRequestHeaders({ headers: input.config.headers }, input.requestId);
  if (input.config.apiKey) headers['api-key'] = input.config.apiKey;
  const deployment = encodeURIComponent(input.upstreamModel);
  const query = new URLSearchParams({ 'api-version': input.config.apiVersion });
  return { path: `/openai/deployments/${deployment}/${operation}?${query.toString()}`, headers, body };
}
