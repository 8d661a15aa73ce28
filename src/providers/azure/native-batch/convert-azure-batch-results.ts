import { ProviderError } from '../../../errors/provider-error.ts';
import type { NativeBatchLine } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import type { OpenAIBatchOutputLine } from '../../openai/native-batch/openai-batch-schemas.ts';
import { settleOpenAIBatchLine } from '../../openai/native-batch/openai-native-batch.ts';
import { parseAzureError } from '../azure-error.ts';
import { convertAzureResponse } from '../chat/convert-azure-response.ts';

/**
 * A result line of an Azure batch, read as Azure's synchronous answers are: an error status by Azure's
 * error parser (a content-filtered prompt is a non-retryable `content_filter`), a chat answer by
 * Azure's response converter (a filtered choice without `content`). Lines that never ran are read as
 * OpenAI's (`batch_cancelled`, `batch_expired`).
 */
export function settleAzureBatchLine(input: { provider: string; line: OpenAIBatchOutputLine; request: NativeBatchLine }): NativeBatchLineOutcome {
  const { provider, line, request } = input;
  const response = line.response;
  if (response === null || response === undefined || request.operation === 'embeddings') return settleOpenAIBatchLine(input);
  const customId = line.custom_id;
  if (response.status_code < 200 || response.status_code >= 300) {
    return { kind: 'error', customId, error: parseAzureError({ provider, status: response.status_code, headers: {}, body: response.body }) };
  }
  try {
    return { kind: 'chat', customId, result: convertAzureResponse({ provider, body: response.body, upstreamModel: request.upstreamModel }) };
  } catch (error) {
    if (ProviderError.is(error)) return { kind: 'error', customId, error };
    throw error;
  }
}
