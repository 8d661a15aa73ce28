import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import type { AnthropicMessagesRequest } from '../anthropic-wire-schemas.ts';
import { anthropicRequestError } from '../anthropic-request-error.ts';
import { convertToAnthropicRequest, type AnthropicRequestSettings } from '../convert-to-anthropic-request.ts';
import { anthropicCustomIdPattern, type AnthropicBatchRequest } from './anthropic-batch-schemas.ts';

/** One gateway chat request to send through Anthropic's Message Batches API. */
export interface AnthropicBatchLineInput {
  customId: string;
  request: ChatCompletionRequest;
  upstreamModel: string;
}

/** A request of the batch, with the settings its conversion dropped (as the synchronous call reports them). */
export interface AnthropicBatchRequestLine {
  request: AnthropicBatchRequest;
  warnings?: string[];
}

export interface ConvertToAnthropicBatchRequestsResult {
  requests: AnthropicBatchRequestLine[];
  /** Lines Anthropic could not carry out as asked (`n` > 1, audio, a custom id it refuses): each fails alone. */
  rejected: Array<{ customId: string; error: ProviderError }>;
}

/**
 * Gateway requests → batch requests whose `params` is exactly the body the synchronous Messages call
 * sends (built by {@link convertToAnthropicRequest}). A request that converter refuses is rejected on
 * its own instead of failing the whole batch.
 * @see https://docs.anthropic.com/en/api/creating-message-batches
 */
export function convertToAnthropicBatchRequests(lines: readonly AnthropicBatchLineInput[], config: AnthropicRequestSettings): ConvertToAnthropicBatchRequestsResult {
  const requests: AnthropicBatchRequestLine[] = [];
  const rejected: ConvertToAnthropicBatchRequestsResult['rejected'] = [];
  for (const line of lines) {
    if (!anthropicCustomIdPattern.test(line.customId)) {
      rejected.push({
        customId: line.customId,
        error: anthropicRequestError({
          param: 'custom_id',
          code: 'invalid_value',
          message: `custom_id "${line.customId.slice(0, 80)}" must be 1–64 letters, digits, "_" or "-" for Anthropic's Message Batches`,
        }),
      });
      continue;
    }
    try {
      const wire = convertToAnthropicRequest({ request: line.request, upstreamModel: line.upstreamModel, config, requestId: line.customId });
      const request: AnthropicBatchRequest = { custom_id: line.customId, params: wire.body as AnthropicMessagesRequest };
      requests.push(wire.warnings ? { request, warnings: wire.warnings } : { request });
    } catch (error) {
      if (!ProviderError.is(error)) throw error;
      rejected.push({ customId: line.customId, error });
    }
  }
  return { requests, rejected };
}

/**
 * Anthropic's limits per Message Batch: 100,000 requests or 256 MB (read as 256,000,000 bytes, the
 * smaller reading). @see https://docs.anthropic.com/en/docs/build-with-claude/batch-processing#batch-limitations
 */
export const anthropicBatchDefaultLimits = { maxRequestsPerBatch: 100_000, maxBytesPerBatch: 256_000_000 } as const;
