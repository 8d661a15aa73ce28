import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { echoAnswer, OpenAIBatchServer } from '../../../../test/support/openai-batch-server.ts';
import { azureProviderSchema } from '../../../config/provider-config.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchResult, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import { openAIRequestBody } from '../../openai/chat/convert-to-openai-request.ts';
import { convertAzureResponse } from '../chat/convert-azure-response.ts';
import { createAzureNativeBatch } from './azure-native-batch.ts';

const signal = new AbortController().signal;
const deployment = 'gpt-4o-global-batch';

function chatLine(customId: string, content: string): NativeBatchLine {
  return { customId, upstreamModel: deployment, operation: 'chat', request: chatCompletionRequestSchema.parse({ model: 'fast', messages: [{ role: 'user', content }] }) };
}

function submission(partId: string, lines: NativeBatchLine[], operation: 'chat' | 'embeddings' = 'chat'): NativeBatchSubmission {
  return {
    partId,
    operation,
    upstreamModel: deployment,
    lineCount: lines.length,
    lines: async function* () {
      yield* lines;
    },
  };
}

const contentFiltered = {
  status_code: 400,
  body: {
    error: {
      message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
      type: null,
      param: 'prompt',
      code: 'content_filter',
      status: 400,
      innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'medium' }, violence: { filtered: false, severity: 'safe' } } },
    },
  },
};

describe('createAzureNativeBatch against an Azure OpenAI global batch server', () => {
  let server: OpenAIBatchServer;
  let batch: NativeBatchCapability;

  beforeEach(async () => {
    server = await OpenAIBatchServer.start({ flavor: 'azure', completeAfterPolls: 0 });
    batch = createAzureNativeBatch('azure-batch', azureProviderSchema.parse({ type: 'azure', baseUrl: server.baseUrl, apiKey: server.apiKey, apiVersion: '2024-10-21' }));
  });

  afterEach(async () => {
    await server.close();
  });

  it('sends /chat/completions lines naming the deployment under /openai with the api-version and api-key, and reads answers as Azure’s sync converter does', async () => {
    server.answer = (line) => (line.customId === 'az-2' ? contentFiltered : echoAnswer(line));
    const lines = [chatLine('az-1', 'hello'), chatLine('az-2', 'something filtered')];
    const part = submission('part-azure', lines);
    const { fileId } = await (batch.upload as NonNullable<NativeBatchCapability['upload']>)(part, signal);
    const { providerBatchId } = await batch.create({ ...part, fileId }, signal);

    expect(batch.operations).toEqual(['chat']);
    expect(batch.limits).toEqual({ maxRequestsPerBatch: 100_000, maxBytesPerBatch: 200_000_000 });
    const content = server.files.get(fileId)?.content.toString('utf8') ?? '';
    expect(
      content
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text) as unknown),
    ).toEqual(
      lines.map((line) => ({ custom_id: line.customId, method: 'POST', url: '/chat/completions', body: line.operation !== 'embeddings' ? openAIRequestBody(line.request, deployment) : undefined })),
    );
    expect(server.createRequests[0]).toMatchObject({ endpoint: '/chat/completions', completion_window: '24h', metadata: { gateway_part_id: 'part-azure' } });

    const finished = await batch.retrieve(providerBatchId, signal);
    expect(finished).toMatchObject({ state: 'finished', providerStatus: 'completed', counts: { total: 2, succeeded: 1, failed: 1 } });
    expect(finished.results).toHaveLength(2);
    const results: NativeBatchResult[] = [];
    for await (const result of batch.readResults(finished, signal)) results.push(result);
    const outcomes = results.map((result) => (result.kind === 'result' ? result.settle(lines.find((line) => line.customId === result.customId) as NativeBatchLine) : result));
    const stored = server.batches.get(providerBatchId)?.lines.find((line) => line.customId === 'az-1');
    if (!stored) throw new Error('no stored line');
    expect(outcomes).toContainEqual({ kind: 'chat', customId: 'az-1', result: convertAzureResponse({ provider: 'azure-batch', body: echoAnswer(stored).body, upstreamModel: deployment }) });
    expect(outcomes).toContainEqual({
      kind: 'error',
      customId: 'az-2',
      error: expect.objectContaining({ status: 400, code: 'content_filter', retryable: false, message: expect.stringContaining('[content filter: hate (medium)]') }),
    });
  });

  it('takes the credentials from headers when no key is configured, and never sends the key as a bearer token', async () => {
    const withHeader = createAzureNativeBatch('azure-batch', azureProviderSchema.parse({ type: 'azure', baseUrl: server.baseUrl, headers: { 'api-key': server.apiKey } }));
    const part = submission('part-header', [chatLine('h-1', 'x')]);
    expect(await (withHeader.upload as NonNullable<NativeBatchCapability['upload']>)(part, signal)).toMatchObject({ fileId: expect.any(String) });

    const bearerOnly = createAzureNativeBatch('azure-batch', azureProviderSchema.parse({ type: 'azure', baseUrl: server.baseUrl, headers: { authorization: `Bearer ${server.apiKey}` } }));
    const error = await bearerOnly.retrieve('batch_missing', signal).catch((reason: unknown) => reason);
    expect(ProviderError.is(error) && { status: error.status, retryable: error.retryable }).toEqual({ status: 401, retryable: false });
  });

  it('refuses embeddings before any call: Azure’s global batch does not take them', async () => {
    const line: NativeBatchLine = { customId: 'e-1', upstreamModel: deployment, operation: 'embeddings', request: embeddingsRequestSchema.parse({ model: 'embed', input: 'x' }) };
    const error = await (batch.upload as NonNullable<NativeBatchCapability['upload']>)(submission('part-embeddings', [line], 'embeddings'), signal).catch((reason: unknown) => reason);
    expect(ProviderError.is(error) && { code: error.code, retryable: error.retryable }).toEqual({ code: 'unsupported_batch_operation', retryable: false });
    expect(server.uploads).toBe(0);
  });
});
