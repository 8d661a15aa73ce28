import type { BatchWireRequest } from '../../native-batch/native-batch-types.ts';
import type { AnthropicRequestSettings } from '../convert-to-anthropic-request.ts';

type AnthropicBatchSettings = Pick<AnthropicRequestSettings, 'apiKey' | 'headers' | 'anthropicVersion'>;

/** The headers of the synchronous Messages call: JSON, `anthropic-version`, configured extras, `x-api-key`. */
export function anthropicBatchHeaders(config: AnthropicBatchSettings): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': config.anthropicVersion,
    ...config.headers,
  };
  if (config.apiKey) headers['x-api-key'] = config.apiKey;
  return headers;
}

/** @see https://docs.anthropic.com/en/api/retrieving-message-batches */
export function buildRetrieveAnthropicBatchRequest(input: { batchId: string; config: AnthropicBatchSettings }): BatchWireRequest {
  return { method: 'GET', path: `/messages/batches/${encodeURIComponent(input.batchId)}`, headers: withoutContentType(anthropicBatchHeaders(input.config)) };
}

/** @see https://docs.anthropic.com/en/api/canceling-message-batches */
export function buildCancelAnthropicBatchRequest(input: { batchId: string; config: AnthropicBatchSettings }): BatchWireRequest {
  return { method: 'POST', path: `/messages/batches/${encodeURIComponent(input.batchId)}/cancel`, headers: withoutContentType(anthropicBatchHeaders(input.config)) };
}

/**
 * The results (JSONL) of an ended batch. Anthropic asks clients to follow the batch's `results_url`;
 * this is the path it documents for it, for a caller holding only the id.
 * @see https://docs.anthropic.com/en/api/retrieving-message-batch-results
 */
export function buildAnthropicBatchResultsRequest(input: { batchId: string; config: AnthropicBatchSettings }): BatchWireRequest {
  const headers = withoutContentType(anthropicBatchHeaders(input.config));
  return { method: 'GET', path: `/messages/batches/${encodeURIComponent(input.batchId)}/results`, headers: { ...headers, accept: 'application/binary' } };
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
}
