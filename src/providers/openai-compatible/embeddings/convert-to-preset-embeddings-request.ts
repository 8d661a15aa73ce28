import { embeddingInputs } from '../../embeddings-schemas.ts';
import { convertToOpenAIEmbeddingsRequest } from '../../openai/embeddings/convert-to-openai-embeddings-request.ts';
import type { OpenAIRequestSettings } from '../../openai/chat/convert-to-openai-request.ts';
import type { BuildEmbeddingsRequestInput, WireRequest } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { applyPresetQuirks } from '../chat/apply-preset-quirks.ts';
import type { OpenAICompatiblePreset, PresetEmbeddings } from '../presets.ts';

export interface PresetEmbeddingsRequestInput extends BuildEmbeddingsRequestInput<OpenAIRequestSettings> {
  /** The preset's name, as warnings and errors name the vendor. */
  vendor: string;
  preset: OpenAICompatiblePreset;
  embeddings: PresetEmbeddings;
}

/**
 * OpenAI's embeddings request (floats always asked for) fitted to a vendor's embeddings quirks: token
 * arrays refused where the vendor embeds text only, fields dropped or renamed with the chat quirks'
 * rules and warnings (see {@link applyPresetQuirks}).
 */
export function convertToPresetEmbeddingsRequest(input: PresetEmbeddingsRequestInput): WireRequest {
  const { vendor, preset, embeddings } = input;
  if (embeddings.textInputsOnly && embeddingInputs(input.request).some((item) => typeof item !== 'string')) {
    throw new ProviderError({
      provider: vendor,
      status: 400,
      code: 'invalid_request',
      type: 'invalid_request_error',
      param: 'input',
      message: `${vendor} embeddings take text; token arrays are not supported`,
      retryable: false,
    });
  }
  const wire = convertToOpenAIEmbeddingsRequest(input);
  // The chat quirks' rules, given the embeddings' own fields to drop and rename (and nothing else).
  const embeddingsQuirks: OpenAICompatiblePreset = {
    baseUrl: preset.baseUrl,
    requiresApiKey: preset.requiresApiKey,
    unsupportedFields: embeddings.unsupportedFields ?? [],
    ...(embeddings.renamedFields ? { renamedFields: embeddings.renamedFields } : {}),
    docs: embeddings.docs,
  };
  const fitted = applyPresetQuirks({ body: wire.body as Record<string, unknown>, preset: embeddingsQuirks, vendor, upstreamModel: input.upstreamModel });
  return { ...wire, body: fitted.body, ...(fitted.warnings.length > 0 ? { warnings: fitted.warnings } : {}) };
}
