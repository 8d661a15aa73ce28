import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import type { WireRequest } from '../provider-client.ts';

export interface OpenAIRequestSettings {
  apiKey?: string | undefined;
  headers: Record<string, string>;
}

/**
 * The client's body as sent (unknown fields included, every value untouched), with the route's upstream
 * model. `stream` and `stream_options` are dropped: this path is non-streaming until the streaming issue.
 */
export function openAIRequestBody(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown> {
  const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
  return { ...rest, model: upstreamModel };
}

/** JSON in and out, the gateway request id, the configured extra headers, and Bearer auth when a key is set. */
export function openAIRequestHeaders(config: OpenAIRequestSettings, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-client-request-id': requestId,
    ...config.headers,
  };
  if (config.apiKey) headers['authorization'] = `Bearer ${config.apiKey}`;
  return headers;
}

/** @see https://platform.openai.com/docs/api-reference/chat/create */
export function convertToOpenAIRequest(input: {
  request: ChatCompletionRequest;
  upstreamModel: string;
  config: OpenAIRequestSettings;
  requestId: string;
}): WireRequest {
  return {
    path: '/chat/completions',
    headers: openAIRequestHeaders(input.config, input.requestId),
    body: openAIRequestBody(input.request, input.upstreamModel),
  };
}
