import type { AzureProviderConfig } from '../../../config/provider-config.ts';
import type { NativeBatchCapability } from '../../native-batch/native-batch-capability.ts';
import { createOpenAINativeBatch } from '../../openai/native-batch/openai-native-batch.ts';
import { parseAzureError } from '../azure-error.ts';
import { azureBatchApi } from './azure-batch-api.ts';
import { settleAzureBatchLine } from './convert-azure-batch-results.ts';

/**
 * An Azure OpenAI resource's global batch API: OpenAI's capability on the resource's `/openai` path
 * with the configured api-version, the key in `api-key` (or whatever credentials `headers` carry,
 * such as an Entra ID bearer token), Azure's errors, and Azure's reading of answers.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch
 */
export function createAzureNativeBatch(name: string, config: AzureProviderConfig): NativeBatchCapability {
  const headers: Record<string, string> = { ...config.headers };
  if (config.apiKey) headers['api-key'] = config.apiKey;
  return createOpenAINativeBatch({
    name,
    baseUrl: `${config.baseUrl.replace(/\/+$/, '')}/openai`,
    timeoutMs: config.timeoutMs,
    // No `apiKey` here: Azure's key is never sent as a bearer token.
    config: { headers },
    api: azureBatchApi(config.apiVersion),
    parseError: parseAzureError,
    settleLine: settleAzureBatchLine,
  });
}
