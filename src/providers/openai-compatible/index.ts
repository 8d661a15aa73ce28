import { ConfigurationError } from '../../errors/configuration-error.ts';
import type { PresetProviderConfig } from '../../config/provider-config.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import { convertOpenAIResponse } from '../openai/chat/convert-openai-response.ts';
import { createOpenAIStreamTranslator } from '../openai/chat/convert-openai-stream.ts';
import { anthropicOnlyWarnings, openAIRequestBody, openAIRequestHeaders, withStreaming, type OpenAIRequestSettings } from '../openai/chat/convert-to-openai-request.ts';
import { parseOpenAIError } from '../openai/openai-error.ts';
import type { BuildChatRequestInput, HttpWireFormat, ProviderClient, WireRequest } from '../provider-client.ts';
import { applyPresetQuirks } from './chat/apply-preset-quirks.ts';
import { convertToPresetEmbeddingsRequest } from './embeddings/convert-to-preset-embeddings-request.ts';
import { convertOpenAIEmbeddingsResponse } from '../openai/embeddings/convert-openai-embeddings-response.ts';
import { openAICompatiblePresets, type OpenAICompatiblePreset, type OpenAICompatiblePresetName } from './presets.ts';

/**
 * An OpenAI-compatible vendor's wire format: OpenAI's, with the preset's quirks applied to the request
 * body (see {@link applyPresetQuirks}). Bearer auth is sent only when a key is configured. Streamed,
 * usage is asked for as the preset's `streamUsage` says, and the stream is read as OpenAI's. Embeddings
 * only where the preset has them (OpenAI's `POST /embeddings`, fitted to the preset's embeddings quirks).
 */
export function createPresetWireFormat(presetName: OpenAICompatiblePresetName): HttpWireFormat<OpenAIRequestSettings> {
  const preset: OpenAICompatiblePreset = openAICompatiblePresets[presetName];
  const build = ({ request, upstreamModel, config, requestId }: BuildChatRequestInput<OpenAIRequestSettings>, stream: boolean): WireRequest => {
    const fitted = applyPresetQuirks({ body: openAIRequestBody(request, upstreamModel), preset, vendor: presetName, upstreamModel });
    // Streaming is added after the quirks: it is the gateway's own setting, not one of the client's to fit.
    const body = stream ? withStreaming(fitted.body, request, { includeUsage: (preset.streamUsage ?? 'on-request') === 'on-request' }) : fitted.body;
    return {
      path: '/chat/completions',
      headers: openAIRequestHeaders(config, requestId),
      body,
      ...(fitted.warnings.length > 0 || anthropicOnlyWarnings(request) ? { warnings: [...fitted.warnings, ...(anthropicOnlyWarnings(request) ?? [])] } : {}),
    };
  };
  const embeddings = preset.embeddings;
  return {
    type: presetName,
    ...(embeddings
      ? {
          embeddings: {
            ...(embeddings.maxInputsPerCall === undefined ? {} : { maxInputsPerCall: embeddings.maxInputsPerCall }),
            buildRequest: (input) => convertToPresetEmbeddingsRequest({ ...input, vendor: presetName, preset, embeddings }),
            parseResponse: convertOpenAIEmbeddingsResponse,
          },
        }
      : {}),
    buildChatRequest: (input) => build(input, false),
    parseChatResponse: convertOpenAIResponse,
    parseError: parseOpenAIError,
    buildStreamRequest: (input) => build(input, true),
    createStreamTranslator: (input) => createOpenAIStreamTranslator(input),
  };
}

/**
 * A configured preset provider. A vendor that needs a key and has none fails here, when the worker
 * starts, rather than on every call with the vendor's 401.
 */
export function createPresetProviderClient(name: string, config: PresetProviderConfig): ProviderClient {
  const preset = openAICompatiblePresets[config.type];
  if (preset.requiresApiKey && !config.apiKey) {
    throw new ConfigurationError(`providers.${name}.apiKey: the "${config.type}" preset needs an API key (see ${preset.docs})`);
  }
  return createHttpProviderClient(createPresetWireFormat(config.type), { name, baseUrl: config.baseUrl ?? preset.baseUrl, connections: config.concurrency, timeoutMs: config.timeoutMs }, config);
}
