import { ProviderError } from '../../../errors/provider-error.ts';
import { estimateUsage } from '../../estimate-usage.ts';
import type { NativeBatchLine } from '../../native-batch/native-batch-capability.ts';
import type { MalformedBatchLine, NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import type { OpenAIRequestSettings } from '../../openai/chat/convert-to-openai-request.ts';
import { buildMistralSyncRequest, mistralWireFormat } from './convert-to-mistral-batch-lines.ts';
import { mistralBatchOutputLineSchema, type MistralBatchOutputLine } from './mistral-batch-schemas.ts';
import { readBatchResultLine } from '../../native-batch/read-batch-result-line.ts';

/**
 * One line of an output or error file (text, or JSON already parsed) → the line, or why it is not one.
 * Never throws: a bad line fails alone.
 */
export function parseMistralBatchOutputLine(input: string | unknown): { kind: 'line'; line: MistralBatchOutputLine } | MalformedBatchLine {
  const read = readBatchResultLine(input, mistralBatchOutputLineSchema, 'custom_id');
  if (read.kind === 'malformed') return read;
  const line = read.line;
  if (!line.response && !line.error) return { kind: 'malformed', customId: line.custom_id, message: 'batch result line carries neither response nor error' };
  return { kind: 'line', line };
}

export interface ConvertMistralBatchOutputLineInput {
  provider: string;
  line: MistralBatchOutputLine;
  /** The request the line answers (looked up by `custom_id`): embeddings need it to read the vectors. */
  request: NativeBatchLine;
  config: OpenAIRequestSettings;
}

/**
 * A parsed result line → how the request settled, exactly as the synchronous call settles the same
 * answer: a 2xx body read by the preset's response converter (estimated usage where none was reported,
 * the request's warnings first), an error status read by its error parser, and a request that got no
 * answer (`error`) as a non-retryable ProviderError. A 2xx body the converter refuses becomes its 502
 * `invalid_provider_response` for this line only.
 * @see https://docs.mistral.ai/capabilities/batch (Result File examples)
 */
export function convertMistralBatchOutputLine(input: ConvertMistralBatchOutputLineInput): NativeBatchLineOutcome {
  const { provider, line, request } = input;
  const customId = line.custom_id;
  const format = mistralWireFormat();
  const response = line.response;
  if (!response) {
    const error = typeof line.error === 'string' ? { message: line.error, code: undefined } : line.error;
    const code = error?.code === null || error?.code === undefined ? 'batch_request_failed' : String(error.code);
    return { kind: 'error', customId, error: new ProviderError({ provider, code, message: error?.message ?? code, retryable: false }) };
  }
  if (response.status_code < 200 || response.status_code >= 300) {
    return { kind: 'error', customId, error: format.parseError({ provider, status: response.status_code, headers: {}, body: response.body }) };
  }
  try {
    const wire = buildMistralSyncRequest(request, input.config);
    if (request.operation === 'embeddings') {
      if (!format.embeddings) throw new ProviderError({ provider, status: 400, code: 'unsupported_operation', message: 'the mistral preset has no embeddings', retryable: false });
      const result = format.embeddings.parseResponse({ provider, body: response.body, request: request.request, upstreamModel: request.upstreamModel });
      return { kind: 'embeddings', customId, result: withWarnings(result, wire.warnings) };
    }
    const parsed = format.parseChatResponse({ provider, body: response.body, upstreamModel: request.upstreamModel, requestId: request.customId });
    const result = parsed.usage.estimated ? { ...parsed, usage: estimateUsage(request.request, parsed.completion) } : parsed;
    return { kind: 'chat', customId, result: withWarnings(result, wire.warnings) };
  } catch (error) {
    if (ProviderError.is(error)) return { kind: 'error', customId, error };
    throw error;
  }
}

/** The request's warnings ahead of the answer's own, as the synchronous client reports them. */
function withWarnings<Result extends { warnings?: string[] }>(result: Result, requestWarnings: string[] | undefined): Result {
  const warnings = [...(requestWarnings ?? []), ...(result.warnings ?? [])];
  return warnings.length > 0 ? { ...result, warnings } : result;
}
