import { ProviderError } from '../../../errors/provider-error.ts';
import { estimateUsage } from '../../estimate-usage.ts';
import type { NativeBatchLine } from '../../native-batch/native-batch-capability.ts';
import type { MalformedBatchLine, NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { convertGeminiResponse } from '../chat/convert-gemini-response.ts';
import { convertToGeminiRequest, type GeminiRequestSettings } from '../chat/convert-to-gemini-request.ts';
import { parseGeminiError } from '../gemini-error.ts';
import { geminiBatchResultLineSchema, type GeminiBatchResultLine, type GeminiRpcStatus } from './gemini-batch-schemas.ts';
import { readBatchResultLine } from '../../native-batch/read-batch-result-line.ts';

/**
 * One line of a responses file (text, or JSON already parsed) → the line, or why it is not one. Never
 * throws: a bad line fails alone.
 */
export function parseGeminiBatchResultLine(input: string | unknown): { kind: 'line'; line: GeminiBatchResultLine } | MalformedBatchLine {
  const read = readBatchResultLine(input, geminiBatchResultLineSchema, 'key');
  if (read.kind === 'malformed') return read;
  const line = read.line;
  if ((line.response === undefined) === (line.error === undefined)) {
    return { kind: 'malformed', customId: line.key, message: 'batch result line must carry exactly one of response and error' };
  }
  return { kind: 'line', line };
}

/**
 * A parsed responses-file line → how its request settled, given the request (looked up by `key`): a
 * response read as the synchronous call reads it ({@link convertGeminiResponse}, usage estimated where
 * Gemini sent none, the request's dropped settings as warnings), so the ChatResult is the one a direct
 * call gives; an error read as the synchronous error parser reads Gemini's (see {@link geminiLineError}).
 * A response the converter refuses becomes its 502 `invalid_provider_response` for this line only.
 * @see https://ai.google.dev/gemini-api/docs/batch-api#retrieve-batch-results
 */
export function convertGeminiBatchResultLine(input: { provider: string; line: GeminiBatchResultLine; target: NativeBatchLine; config: GeminiRequestSettings }): NativeBatchLineOutcome {
  const { provider, line, target } = input;
  const customId = line.key;
  if (line.error !== undefined) return { kind: 'error', customId, error: geminiLineError(provider, line.error) };
  if (target.operation === 'embeddings') {
    return {
      kind: 'error',
      customId,
      error: new ProviderError({ provider, status: 502, code: 'invalid_provider_response', message: 'a chat answer came back for an embeddings request', retryable: false }),
    };
  }
  try {
    const wire = convertToGeminiRequest({ request: target.request, upstreamModel: target.upstreamModel, config: input.config, requestId: customId });
    const parsed = convertGeminiResponse({ provider, body: line.response, upstreamModel: target.upstreamModel, requestId: customId });
    const result = parsed.usage.estimated ? { ...parsed, usage: estimateUsage(target.request, parsed.completion) } : parsed;
    const warnings = [...(wire.warnings ?? []), ...(result.warnings ?? [])];
    return { kind: 'chat', customId, result: warnings.length > 0 ? { ...result, warnings } : result };
  } catch (error) {
    if (ProviderError.is(error)) return { kind: 'error', customId, error };
    throw error;
  }
}

/**
 * A failed line's `google.rpc.Status` → ProviderError, as {@link parseGeminiError} reads the same error
 * from a direct call: its gRPC code becomes the HTTP status Google maps it to (3 → 400, not retried;
 * 8 → 429 and 13/14 → 500/503, retried). Code 1 (`CANCELLED`, a request the batch dropped) is the
 * gateway's non-retryable `batch_cancelled`, as for the other batch APIs.
 * @see https://cloud.google.com/apis/design/errors#handling_errors
 */
export function geminiLineError(provider: string, status: GeminiRpcStatus): ProviderError {
  const code = status.code ?? 2;
  if (code === 1) return new ProviderError({ provider, code: 'batch_cancelled', message: status.message ?? 'the batch cancelled this request', retryable: false });
  // Some answers carry the HTTP status already (as error bodies of direct calls do).
  const known = rpcCodes[code];
  const httpStatus = code >= 100 ? code : (known?.httpStatus ?? 500);
  const body = {
    error: {
      code: httpStatus,
      message: status.message ?? `batch request failed (code ${code})`,
      status: status.status ?? known?.name,
      details: status.details?.filter((detail) => typeof detail === 'object' && detail !== null),
    },
  };
  return parseGeminiError({ provider, status: httpStatus, headers: {}, body });
}

/** google.rpc.Code → name and HTTP status. @see https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto */
const rpcCodes: Record<number, { name: string; httpStatus: number }> = {
  2: { name: 'UNKNOWN', httpStatus: 500 },
  3: { name: 'INVALID_ARGUMENT', httpStatus: 400 },
  4: { name: 'DEADLINE_EXCEEDED', httpStatus: 504 },
  5: { name: 'NOT_FOUND', httpStatus: 404 },
  6: { name: 'ALREADY_EXISTS', httpStatus: 409 },
  7: { name: 'PERMISSION_DENIED', httpStatus: 403 },
  8: { name: 'RESOURCE_EXHAUSTED', httpStatus: 429 },
  9: { name: 'FAILED_PRECONDITION', httpStatus: 400 },
  10: { name: 'ABORTED', httpStatus: 409 },
  11: { name: 'OUT_OF_RANGE', httpStatus: 400 },
  12: { name: 'UNIMPLEMENTED', httpStatus: 501 },
  13: { name: 'INTERNAL', httpStatus: 500 },
  14: { name: 'UNAVAILABLE', httpStatus: 503 },
  15: { name: 'DATA_LOSS', httpStatus: 500 },
  16: { name: 'UNAUTHENTICATED', httpStatus: 401 },
};
