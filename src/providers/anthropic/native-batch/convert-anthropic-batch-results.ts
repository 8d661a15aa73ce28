import { ProviderError } from '../../../errors/provider-error.ts';
import type { MalformedBatchLine, NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { parseAnthropicStreamError } from '../anthropic-error.ts';
import { convertAnthropicResponse } from '../convert-anthropic-response.ts';
import { anthropicBatchResultLineSchema, type AnthropicBatchResultLine } from './anthropic-batch-schemas.ts';
import { readBatchResultLine } from '../../native-batch/read-batch-result-line.ts';

/**
 * One results line (text, or JSON already parsed) → the line, or why it is not one. Never throws:
 * a bad line fails alone.
 */
export function parseAnthropicBatchResultLine(input: string | unknown): { kind: 'line'; line: AnthropicBatchResultLine } | MalformedBatchLine {
  return readBatchResultLine(input, anthropicBatchResultLineSchema, 'custom_id');
}

/**
 * A parsed results line → how the request settled: `succeeded` read by the synchronous response
 * converter (the same ChatResult a direct call gives), `errored` as the synchronous path reads an
 * error of that type (`invalid_request_error` a 400, not retried; `api_error` a 500, retried),
 * `canceled` and `expired` as non-retryable `batch_cancelled` / `batch_expired`. A message the
 * converter refuses becomes its 502 `invalid_provider_response` for this line only.
 * @see https://docs.anthropic.com/en/api/retrieving-message-batch-results
 */
export function convertAnthropicBatchResultLine(input: { provider: string; line: AnthropicBatchResultLine }, now: () => number = Date.now): NativeBatchLineOutcome {
  const { provider, line } = input;
  const customId = line.custom_id;
  const result = line.result;
  switch (result.type) {
    case 'succeeded':
      try {
        return { kind: 'chat', customId, result: convertAnthropicResponse({ provider, body: result.message }, now) };
      } catch (error) {
        if (ProviderError.is(error)) return { kind: 'error', customId, error };
        throw error;
      }
    case 'errored': {
      const body = 'error' in result.error && typeof result.error.error === 'object' ? result.error : { type: 'error', error: result.error };
      return { kind: 'error', customId, error: parseAnthropicStreamError({ provider, body }) };
    }
    case 'canceled':
      return { kind: 'error', customId, error: new ProviderError({ provider, code: 'batch_cancelled', message: 'the batch was cancelled before this request ran', retryable: false }) };
    case 'expired':
      return { kind: 'error', customId, error: new ProviderError({ provider, code: 'batch_expired', message: 'the batch reached its 24-hour limit before this request ran', retryable: false }) };
  }
}
