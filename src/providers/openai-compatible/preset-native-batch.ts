import type { PresetProviderConfig } from '../../config/provider-config.ts';
import type { NativeBatchCapability, NativeBatchLine } from '../native-batch/native-batch-capability.ts';
import { openAIRequestBody } from '../openai/chat/convert-to-openai-request.ts';
import { openAIEmbeddingsBody } from '../openai/embeddings/convert-to-openai-embeddings-request.ts';
import { createOpenAINativeBatch } from '../openai/native-batch/openai-native-batch.ts';
import { applyPresetQuirks } from './chat/apply-preset-quirks.ts';
import { convertToPresetEmbeddingsRequest } from './embeddings/convert-to-preset-embeddings-request.ts';
import { presetBatchApis } from './preset-batch-apis.ts';
import { openAICompatiblePresets, type OpenAICompatiblePreset, type OpenAICompatiblePresetName } from './presets.ts';

/**
 * A configured preset's own batch API, where its vendor has one in OpenAI's shape (see
 * {@link presetBatchApis}); undefined otherwise. Lines carry the body the synchronous call sends,
 * fitted to the preset's quirks by the same functions (a line's quirk warnings are not reported: a
 * result line has no room for them).
 */
export function createPresetNativeBatch(name: string, config: PresetProviderConfig): NativeBatchCapability | undefined {
  const api = presetBatchApis[config.type];
  if (!api) return undefined;
  const preset: OpenAICompatiblePreset = openAICompatiblePresets[config.type];
  return createOpenAINativeBatch({
    name,
    baseUrl: config.baseUrl ?? preset.baseUrl,
    timeoutMs: config.timeoutMs,
    config,
    api,
    lineBody: (line) => presetLineBody({ line, presetName: config.type, preset, config }),
  });
}

function presetLineBody(input: { line: NativeBatchLine; presetName: OpenAICompatiblePresetName; preset: OpenAICompatiblePreset; config: PresetProviderConfig }): Record<string, unknown> {
  const { line, presetName, preset, config } = input;
  if (line.operation === 'embeddings') {
    if (!preset.embeddings) return openAIEmbeddingsBody(line.request, line.upstreamModel);
    const wire = convertToPresetEmbeddingsRequest({
      request: line.request,
      upstreamModel: line.upstreamModel,
      config,
      requestId: line.customId,
      vendor: presetName,
      preset,
      embeddings: preset.embeddings,
    });
    return wire.body as Record<string, unknown>;
  }
  return applyPresetQuirks({ body: openAIRequestBody(line.request, line.upstreamModel), preset, vendor: presetName, upstreamModel: line.upstreamModel }).body;
}
