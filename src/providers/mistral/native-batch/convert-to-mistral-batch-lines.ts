import { ProviderError } from '../../../errors/provider-error.ts';
import type { NativeBatchLine } from '../../native-batch/native-batch-capability.ts';
import type { OpenAIRequestSettings } from '../../openai/chat/convert-to-openai-request.ts';
import { createPresetWireFormat } from '../../openai-compatible/index.ts';
import type { HttpWireFormat, WireRequest } from '../../provider-client.ts';
import type { MistralBatchInputLine } from './mistral-batch-schemas.ts';

let presetWireFormat: HttpWireFormat<OpenAIRequestSettings> | undefined;

/**
 * The `mistral` preset's wire format, which the synchronous calls use: batch lines are built and read by
 * it, so a batched request and a direct one reach the model alike. Made on first use, not at import, so
 * that the preset's module may in turn import this folder.
 */
export function mistralWireFormat(): HttpWireFormat<OpenAIRequestSettings> {
  presetWireFormat ??= createPresetWireFormat('mistral');
  return presetWireFormat;
}

/**
 * The request the synchronous call would send for this line (its body, and the warnings for settings
 * Mistral could not honour). Throws the preset's ProviderError for a request it refuses (e.g. token-array
 * embeddings inputs).
 */
export function buildMistralSyncRequest(line: NativeBatchLine, config: OpenAIRequestSettings): WireRequest {
  const format = mistralWireFormat();
  const common = { upstreamModel: line.upstreamModel, config, requestId: line.customId };
  if (line.operation !== 'embeddings') return format.buildChatRequest({ ...common, request: line.request });
  if (!format.embeddings) {
    throw new ProviderError({ provider: 'mistral', status: 400, code: 'unsupported_operation', message: 'the mistral preset has no embeddings', retryable: false });
  }
  return format.embeddings.buildRequest({ ...common, request: line.request });
}

export type MistralBatchLineConversion = { kind: 'line'; line: MistralBatchInputLine; warnings?: string[] } | { kind: 'rejected'; customId: string; error: ProviderError };

/**
 * A gateway request → one line of a job's input file, whose `body` is exactly the body the synchronous
 * call sends (the preset's quirks applied, `model` included). A request the preset refuses is rejected on
 * its own, with the error the synchronous call would give, instead of failing the whole job.
 * @see https://docs.mistral.ai/capabilities/batch (Prepare and upload your batch)
 */
export function convertToMistralBatchLine(line: NativeBatchLine, config: OpenAIRequestSettings): MistralBatchLineConversion {
  let wire: WireRequest;
  try {
    wire = buildMistralSyncRequest(line, config);
  } catch (error) {
    if (ProviderError.is(error)) return { kind: 'rejected', customId: line.customId, error };
    throw error;
  }
  const converted: MistralBatchInputLine = { custom_id: line.customId, body: wire.body as Record<string, unknown> };
  return wire.warnings ? { kind: 'line', line: converted, warnings: wire.warnings } : { kind: 'line', line: converted };
}

/** One input line as it goes in the JSONL file, its newline included. */
export function serializeMistralBatchLine(line: MistralBatchInputLine): string {
  return `${JSON.stringify(line)}\n`;
}
