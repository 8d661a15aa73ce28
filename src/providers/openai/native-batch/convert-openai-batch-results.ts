import type { EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertOpenAIResponse } from '../chat/convert-openai-response.ts';
import { convertOpenAIEmbeddingsResponse } from '../embeddings/convert-openai-embeddings-response.ts';
import { parseOpenAIError } from '../openai-error.ts';
import { openAIBatchOutputLineSchema, type OpenAIBatchOutputLine } from './openai-batch-schemas.ts';
import type { MalformedBatchLine, NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { readBatchResultLine } from '../../native-batch/read-batch-result-line.ts';

/**
 * One line of an output or error file (text, or JSON already parsed) → the line, or why it is not one.
 * Never throws: a bad line fails alone.
 */
export function parseOpenAIBatchOutputLine(input: string | unknown): { kind: 'line'; line: OpenAIBatchOutputLine } | MalformedBatchLine {
  const read = readBatchResultLine(input, openAIBatchOutputLineSchema, 'custom_id');
  if (read.kind === 'malformed') return read;
  const line = read.line;
  if ((line.response === null || line.response === undefined) === (line.error === null || line.error === undefined)) {
    return { kind: 'malformed', customId: line.custom_id, message: 'batch result line must carry exactly one of response and error' };
  }
  return { kind: 'line', line };
}

/** What the line's request was, which the output line does not repeat (the caller looks it up by custom_id). */
export type OpenAIBatchLineTarget = { operation: 'chat' } | { operation: 'embeddings'; request: EmbeddingsRequest; upstreamModel: string };

/**
 * A parsed output-file line → how the request settled: a 2xx body read by the synchronous response
 * converter (the same ChatResult or EmbeddingsResult a direct call gives), an error body read by
 * {@link parseOpenAIError} with the line's status, and a request that never ran (`batch_expired`,
 * `batch_cancelled`) as a non-retryable ProviderError with OpenAI's code. A 2xx body the converter
 * refuses becomes its 502 `invalid_provider_response` for this line only.
 * @see https://platform.openai.com/docs/api-reference/batch/request-output
 */
export function convertOpenAIBatchOutputLine(input: { provider: string; line: OpenAIBatchOutputLine; target: OpenAIBatchLineTarget }): NativeBatchLineOutcome {
  const { provider, line, target } = input;
  const customId = line.custom_id;
  const response = line.response;
  if (response === null || response === undefined) {
    const code = line.error?.code ?? 'batch_request_failed';
    return { kind: 'error', customId, error: new ProviderError({ provider, code, message: line.error?.message ?? code, retryable: false }) };
  }
  if (response.status_code < 200 || response.status_code >= 300) {
    return { kind: 'error', customId, error: parseOpenAIError({ provider, status: response.status_code, headers: {}, body: response.body }) };
  }
  try {
    if (target.operation === 'chat') return { kind: 'chat', customId, result: convertOpenAIResponse({ provider, body: response.body }) };
    return { kind: 'embeddings', customId, result: convertOpenAIEmbeddingsResponse({ provider, body: response.body, request: target.request, upstreamModel: target.upstreamModel }) };
  } catch (error) {
    if (ProviderError.is(error)) return { kind: 'error', customId, error };
    throw error;
  }
}
