import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import type { WireRequest } from '../provider-client.ts';

export interface OpenAIRequestSettings {
  apiKey?: string | undefined;
  headers: Record<string, string>;
}

/**
 * The client's body goes through as sent (unknown fields included), with the route's upstream model.
 * `stream` is dropped: this path is non-streaming until the streaming issue.
 */
export function convertToOpenAIRequest(input: {
  request: ChatCompletionRequest;
  upstreamModel: string;
  config: OpenAIRequestSettings;
  requestId: string;
}): WireRequest {
  const { stream: _stream, stream_options: _streamOptions, ...rest } = input.request;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-client-request-id': input.requestId,
    ...input.config.headers,
  };
  if (input.config.apiKey) headers['authorization'] = `Bearer ${input.config.apiKey}`;
  return { path: '/chat/completions', headers, body: { ...rest, model: input.upstreamModel } };
}
