import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import type { NativeBatchLimits } from '../../native-batch/native-batch-capability.ts';
import type { GeminiGenerateContentRequest } from '../chat/gemini-schemas.ts';
import { convertToGeminiRequest, type GeminiRequestSettings } from '../chat/convert-to-gemini-request.ts';
import type { GeminiBatchInputLine } from './gemini-batch-schemas.ts';

/** One gateway chat request to send through Gemini's Batch API. */
export interface GeminiBatchLineInput {
  customId: string;
  request: ChatCompletionRequest;
  upstreamModel: string;
}

/**
 * A request as a line of the input file, with the settings its conversion dropped (as the synchronous
 * call reports them); or why it cannot be sent (the synchronous call would fail the same way).
 */
export type GeminiBatchLineConversion = { kind: 'line'; line: GeminiBatchInputLine; warnings?: string[] } | { kind: 'rejected'; customId: string; error: ProviderError };

/**
 * A gateway request → one line of a batch input file: `key` is the line's custom id, `request` exactly the
 * `generateContent` body the synchronous call sends (built by {@link convertToGeminiRequest}), so a batched
 * request and a direct one reach the model alike. Never throws for a request the converter refuses: that
 * line alone is rejected.
 * @see https://ai.google.dev/gemini-api/docs/batch-api#input-file
 */
export function convertToGeminiBatchLine(input: GeminiBatchLineInput, config: GeminiRequestSettings): GeminiBatchLineConversion {
  try {
    const wire = convertToGeminiRequest({ request: input.request, upstreamModel: input.upstreamModel, config, requestId: input.customId });
    const line: GeminiBatchInputLine = { key: input.customId, request: wire.body as GeminiGenerateContentRequest };
    return wire.warnings ? { kind: 'line', line, warnings: wire.warnings } : { kind: 'line', line };
  } catch (error) {
    if (!ProviderError.is(error)) throw error;
    return { kind: 'rejected', customId: input.customId, error };
  }
}

/** One input line as it goes in the JSONL file, its newline included. */
export function serializeGeminiBatchLine(line: GeminiBatchInputLine): string {
  return `${JSON.stringify(line)}\n`;
}

/**
 * Gemini documents no request count per batch, only the input file's size (2 GB: the Files API's
 * `media.upload` `maxSize` of 2,147,483,648 bytes) and per-model enqueued-token quotas. The count is the
 * gateway's own bound, so that one provider batch stays a unit that settles in one piece.
 * @see https://ai.google.dev/gemini-api/docs/batch-api#input-file
 * @see https://ai.google.dev/gemini-api/docs/rate-limits#batch-mode
 */
export const geminiBatchDefaultLimits: NativeBatchLimits = { maxRequestsPerBatch: 100_000, maxBytesPerBatch: 2_147_483_648 };
