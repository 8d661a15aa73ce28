import type { VertexAnthropicProviderConfig } from '../../config/provider-config.ts';
import { parseAnthropicError } from '../anthropic/anthropic-error.ts';
import type { AnthropicMessagesRequest } from '../anthropic/anthropic-wire-schemas.ts';
import { convertAnthropicResponse } from '../anthropic/convert-anthropic-response.ts';
import { createAnthropicStreamTranslator } from '../anthropic/convert-anthropic-stream.ts';
import { convertToAnthropicRequest, convertToAnthropicStreamRequest } from '../anthropic/convert-to-anthropic-request.ts';
import { parseGeminiError } from '../google/gemini-error.ts';
import { prepareGoogleCloudProvider } from '../google-cloud/google-cloud-provider.ts';
import { vertexModelPath } from '../google-cloud/vertex-endpoint.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import type { BuildChatRequestInput, HttpWireFormat, ProviderClient, WireErrorInput, WireRequest } from '../provider-client.ts';
import type { VertexRequestSettings } from '../vertex/vertex-request-settings.ts';
import type { ProviderError } from '../../errors/provider-error.ts';

export interface VertexAnthropicRequestSettings extends VertexRequestSettings {
  /** The body's `anthropic_version` (`vertex-2023-10-16`). */
  anthropicVersion: string;
  defaultMaxTokens: number;
}

/**
 * The Messages request as Vertex AI takes it: the model in the path, not the body; the API version
 * as the body's `anthropic_version`, not a header. Everything else (betas in `anthropic-beta`
 * included) is the Anthropic adapter's.
 */
function onVertex(convert: typeof convertToAnthropicRequest, method: string) {
  return (input: BuildChatRequestInput<VertexAnthropicRequestSettings>): WireRequest => {
    const { config } = input;
    const wire = convert({ ...input, config: { headers: config.headers, anthropicVersion: config.anthropicVersion, defaultMaxTokens: config.defaultMaxTokens } });
    const { model: _model, ...rest } = wire.body as AnthropicMessagesRequest;
    const headers = Object.fromEntries(Object.entries(wire.headers).filter(([header]) => header.toLowerCase() !== 'anthropic-version'));
    return { ...wire, path: `${vertexModelPath(config, 'anthropic', input.upstreamModel)}${method}`, headers, body: { anthropic_version: config.anthropicVersion, ...rest } };
  };
}

/**
 * Vertex AI answers its own failures (a refused token, an unknown model, a quota) as google.rpc.Status
 * (`{error: {code, message, status}}`), Claude's as Anthropic's error body.
 */
export function parseVertexAnthropicError(input: WireErrorInput): ProviderError {
  const body = Array.isArray(input.body) && input.body.length === 1 ? (input.body[0] as unknown) : input.body;
  const error = typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : undefined;
  const isGoogleStatus = typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'number';
  return isGoogleStatus ? parseGeminiError(input) : parseAnthropicError(input);
}

/**
 * Claude on Vertex AI: `POST …/publishers/anthropic/models/{model}:rawPredict` (streamed:
 * `:streamRawPredict`, the Messages API's server-sent events), answers read as Anthropic's.
 * @see https://docs.claude.com/en/api/claude-on-vertex-ai
 */
export const vertexAnthropicWireFormat: HttpWireFormat<VertexAnthropicRequestSettings> = {
  type: 'vertex-anthropic',
  buildChatRequest: onVertex(convertToAnthropicRequest, ':rawPredict'),
  parseChatResponse: convertAnthropicResponse,
  parseError: parseVertexAnthropicError,
  buildStreamRequest: onVertex(convertToAnthropicStreamRequest, ':streamRawPredict'),
  createStreamTranslator: createAnthropicStreamTranslator,
};

/** A configured Claude-on-Vertex provider; credentials, project and location are checked at start. */
export function createVertexAnthropicProviderClient(name: string, config: VertexAnthropicProviderConfig): ProviderClient {
  const { where, http } = prepareGoogleCloudProvider(name, config);
  return createHttpProviderClient(vertexAnthropicWireFormat, http, {
    ...where,
    headers: config.headers,
    anthropicVersion: config.anthropicVersion,
    defaultMaxTokens: config.defaultMaxTokens,
  });
}
