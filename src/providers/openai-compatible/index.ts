import { ConfigurationError } from '../../config/env.ts';
import type { PresetProviderConfig } from '../../config/provider-config.ts';
import { createHttpProviderClient } from '../http-provider-client.ts';
import { convertOpenAIResponse } from '../openai/convert-openai-response.ts';
import { openAIRequestBody, openAIRequestHeaders, type OpenAIRequestSettings } from '../openai/convert-to-openai-request.ts';
import { parseOpenAIError } from '../openai/openai-error.ts';
import type { HttpWireFormat, ProviderClient } from '../provider-client.ts';
import { applyPresetQuirks } from './apply-preset-quirks.ts';
import { openAICompatiblePresets, type OpenAICompatiblePresetName } from './presets.ts';

/**
 * An OpenAI-compatible vendor's wire format: OpenAI's, with the preset's quirks applied to the request
 * body (see {@link applyPresetQuirks}). Bearer auth is sent only when a key is configured.
 */
export function createPresetWireFormat(presetName: OpenAICompatiblePresetName): HttpWireFormat<OpenAIRequestSettings> {
  const preset = openAICompatiblePresets[presetName];
  return {
    type: presetName,
    buildChatRequest({ request, upstreamModel, config, requestId }) {
      const fitted = applyPresetQuirks({ body: openAIRequestBody(request, upstreamModel), preset, vendor: presetName, upstreamModel });
      return {
        path: '/chat/completions',
        headers: openAIRequestHeaders(config, requestId),
        body: fitted.body,
        ...(fitted.warnings.length > 0 ? { warnings: fitted.warnings } : {}),
      };
    },
    parseChatResponse: convertOpenAIResponse,
    parseError: parseOpenAIError,
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
  return createHttpProviderClient(
    createPresetWireFormat(config.type),
    { name, baseUrl: config.baseUrl ?? preset.baseUrl, connections: config.concurrency, timeoutMs: config.timeoutMs },
    config,
  );
}
