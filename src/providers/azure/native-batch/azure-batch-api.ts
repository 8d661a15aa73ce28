import type { OpenAIShapedBatchApi } from '../../openai/native-batch/openai-shaped-batch-api.ts';

/**
 * Azure OpenAI's global batch: OpenAI's Files and Batches under the resource's `/openai` path, every
 * call with the configured `api-version`. Lines and the batch's `endpoint` are `/chat/completions`, as
 * Azure's examples for dated api-versions write them; a line's `model` is the Global-Batch deployment's
 * name, the same on every line. Embeddings are not batched ("currently not supported"). Up to 100,000
 * requests and 200 MB per file. Azure's examples show timestamps as ISO strings and statuses
 * capitalised (`Validating`) where its reference says Unix seconds and lower case: both are read.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch
 */
export function azureBatchApi(apiVersion: string): OpenAIShapedBatchApi {
  return {
    endpoints: { chat: '/chat/completions' },
    query: { 'api-version': apiVersion },
    limits: { maxRequestsPerBatch: 100_000, maxBytesPerBatch: 200_000_000 },
    docs: 'https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch',
  };
}
