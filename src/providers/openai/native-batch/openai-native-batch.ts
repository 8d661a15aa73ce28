import { randomUUID } from 'node:crypto';
import { ProviderError } from '../../../errors/provider-error.ts';
import { BatchHttp } from '../../native-batch/batch-http.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchOperation, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import type { WireErrorInput } from '../../provider-client.ts';
import { openAIRequestBody, type OpenAIRequestSettings } from '../chat/convert-to-openai-request.ts';
import { openAIEmbeddingsBody } from '../embeddings/convert-to-openai-embeddings-request.ts';
import { parseOpenAIError } from '../openai-error.ts';
import { convertOpenAIBatchOutputLine, parseOpenAIBatchOutputLine } from './convert-openai-batch-results.ts';
import { convertToOpenAIShapedBatchLine, readOpenAIShapedBatch, readOpenAIShapedBatchList, type OpenAIShapedListPage } from './convert-openai-shaped-batch.ts';
import { mapOpenAIBatchStatus } from './map-openai-batch-status.ts';
import type { OpenAIBatch, OpenAIBatchOutputLine } from './openai-batch-schemas.ts';
import { gatewayPartIdKey, openAIBatchApi, type OpenAIShapedBatchApi } from './openai-shaped-batch-api.ts';
import {
  buildCancelOpenAIShapedBatchRequest,
  buildCreateOpenAIShapedBatchRequest,
  buildListOpenAIShapedBatchesRequest,
  buildOpenAIShapedFileContentRequest,
  buildOpenAIShapedFileUpload,
  buildRetrieveOpenAIShapedBatchRequest,
} from './openai-shaped-batch-requests.ts';

export interface OpenAINativeBatchOptions {
  /** The provider instance's name (errors and results name it). */
  name: string;
  /** Up to and including the API's version segment, as for synchronous calls (`https://api.openai.com/v1`). */
  baseUrl: string;
  /** Bounds the wait for an answer's headers and between two reads of its body. */
  timeoutMs: number;
  /** Auth and extra headers, as for synchronous calls. */
  config: OpenAIRequestSettings;
  /** How the vendor's batch API differs from OpenAI's. @defaultValue {@link openAIBatchApi} */
  api?: OpenAIShapedBatchApi;
  /** The wire format's reading of an error answer. @defaultValue {@link parseOpenAIError} */
  parseError?: (input: WireErrorInput) => ProviderError;
  /**
   * A line's request body: exactly what the synchronous call of the same request sends, so a batched
   * request and a direct one reach the model alike. @defaultValue OpenAI's chat and embeddings bodies
   */
  lineBody?: (line: NativeBatchLine) => Record<string, unknown>;
  /** How a result line settles, given the request it answers. @defaultValue {@link settleOpenAIBatchLine} */
  settleLine?: (input: { provider: string; line: OpenAIBatchOutputLine; request: NativeBatchLine }) => NativeBatchLineOutcome;
}

/** A create that may have happened is looked for among batches made since `createdAfter`, less this margin for clock skew. */
const findCreatedMarginSeconds = 10 * 60;
/** Characters of JSONL written to the upload at once. */
const uploadChunkLength = 64 * 1024;
/** At most this many pages of `GET /batches` (of 100) are read looking for one batch. */
const maxListPages = 50;

/**
 * A provider's Files + Batches API in OpenAI's shape, as a {@link NativeBatchCapability}: the input
 * file is built line by line from the submission and streamed to the Files API (never whole in
 * memory), the batch created from it with the gateway's part id in its metadata, found again by that
 * id or its input file when a create's answer was lost, and its output and error files read as JSONL
 * as they arrive. Every failure is a `ProviderError`, read by the wire format's error parser.
 * @see https://platform.openai.com/docs/guides/batch
 */
export function createOpenAINativeBatch(options: OpenAINativeBatchOptions): NativeBatchCapability {
  const api = options.api ?? openAIBatchApi;
  const { name, config } = options;
  const http = new BatchHttp({ name, baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, parseError: options.parseError ?? parseOpenAIError });
  const lineBody = options.lineBody ?? openAILineBody;
  const settleLine = options.settleLine ?? settleOpenAIBatchLine;
  const operations = (Object.keys(api.endpoints) as NativeBatchOperation[]).filter((operation) => api.endpoints[operation] !== undefined);
  const call = (requestId: string = randomUUID()) => ({ api, config, requestId });

  const endpointOf = (operation: NativeBatchOperation): string => {
    if (api.endpoints[operation] !== undefined) return api.endpoints[operation];
    throw new ProviderError({ provider: name, code: 'unsupported_batch_operation', message: `${name}'s batch API does not take ${operation} requests (see ${api.docs})`, retryable: false });
  };

  const readBatch = (raw: unknown): OpenAIBatch & { providerStatus: string } => {
    const read = readOpenAIShapedBatch(raw, api);
    if (!read.ok) throw invalidResponse(name, read.message);
    return { ...read.batch, providerStatus: read.providerStatus };
  };

  return {
    limits: api.limits,
    operations,
    close: () => http.close(),

    async upload(submission: NativeBatchSubmission, signal: AbortSignal): Promise<{ fileId: string }> {
      endpointOf(submission.operation);
      const request = buildOpenAIShapedFileUpload({ ...call(submission.partId), filename: `${submission.partId}.jsonl` });
      async function* content(): AsyncIterable<string> {
        // Lines go out in chunks of about 64 KB: one write per line would cost more than the lines.
        let chunk = '';
        for await (const line of submission.lines()) {
          const operation = line.operation ?? 'chat';
          if (operation !== submission.operation) {
            throw new ProviderError({ provider: name, code: 'mixed_batch_operations', message: `line ${line.customId} is ${operation}, its batch ${submission.operation}`, retryable: false });
          }
          chunk += `${JSON.stringify(convertToOpenAIShapedBatchLine({ api, operation, customId: line.customId, body: lineBody(line) }))}\n`;
          if (chunk.length >= uploadChunkLength) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk !== '') yield chunk;
      }
      const answer = await http.upload({ ...request, file: { ...request.file, content } }, signal);
      const fileId = stringField(answer, 'id');
      if (fileId === undefined) throw invalidResponse(name, 'the uploaded file has no id');
      return { fileId };
    },

    async create(submission, signal) {
      endpointOf(submission.operation);
      if (submission.fileId === undefined) {
        throw new ProviderError({ provider: name, code: 'missing_input_file', message: `${name}'s batches are made from an uploaded file: upload first`, retryable: false });
      }
      const request = buildCreateOpenAIShapedBatchRequest({
        ...call(submission.partId),
        inputFileId: submission.fileId,
        operation: submission.operation,
        upstreamModel: submission.upstreamModel,
        partId: submission.partId,
      });
      const answer = await http.json(request, signal);
      const field = api.create?.answerField;
      const batch = readBatch(field !== undefined && isRecord(answer) ? answer[field] : answer);
      return { providerBatchId: batch.id };
    },

    async findCreated(input, signal) {
      const cutoff = Math.floor(input.createdAfter.getTime() / 1000) - findCreatedMarginSeconds;
      const byMetadata = api.create?.metadata ?? true;
      let page: OpenAIShapedListPage | undefined;
      for (let pages = 0; pages < maxListPages; pages += 1) {
        const list = readOpenAIShapedBatchList(await http.json(buildListOpenAIShapedBatchesRequest({ ...call(), page }), signal), api);
        if (!list.ok) throw invalidResponse(name, list.message);
        let reachedOlder = false;
        for (const entry of list.entries) {
          const read = readOpenAIShapedBatch(entry, api);
          if (!read.ok) continue;
          const batch = read.batch;
          if (batch.created_at < cutoff) {
            reachedOlder = true;
            continue;
          }
          if (input.excludeIds.has(batch.id)) continue;
          if ((byMetadata && batch.metadata?.[gatewayPartIdKey] === input.partId) || (input.fileId !== undefined && batch.input_file_id === input.fileId)) return batch.id;
        }
        // Lists are newest first: a page reaching past the cutoff is the last that can hold the batch.
        if (reachedOlder || list.next === undefined) return undefined;
        page = list.next;
      }
      return undefined;
    },

    async retrieve(providerBatchId, signal): Promise<NativeBatchSnapshot> {
      const batch = readBatch(await http.json(buildRetrieveOpenAIShapedBatchRequest({ ...call(), batchId: providerBatchId }), signal));
      const progress = mapOpenAIBatchStatus(batch);
      const counts = batch.request_counts;
      return {
        providerBatchId: batch.id,
        state: progress.state,
        providerStatus: batch.providerStatus,
        results: progress.fileIdsToRead,
        errors: progress.errors,
        ...(counts ? { counts: { total: counts.total, succeeded: counts.completed, failed: counts.failed } } : {}),
      };
    },

    async *readResults(snapshot, signal): AsyncIterable<NativeBatchResult> {
      for (const fileId of snapshot.results) {
        for await (const text of http.lines(buildOpenAIShapedFileContentRequest({ ...call(), fileId }), signal)) {
          const parsed = parseOpenAIBatchOutputLine(text);
          if (parsed.kind === 'malformed') {
            yield parsed;
            continue;
          }
          const line = parsed.line;
          yield { kind: 'result', customId: line.custom_id, settle: (request) => settleLine({ provider: name, line, request }) };
        }
      }
    },

    async cancel(providerBatchId, signal) {
      await http.json(buildCancelOpenAIShapedBatchRequest({ ...call(), batchId: providerBatchId }), signal);
    },
  };
}

/** OpenAI's body for a line: the synchronous call's, built by the same functions. */
export function openAILineBody(line: NativeBatchLine): Record<string, unknown> {
  return line.operation === 'embeddings' ? openAIEmbeddingsBody(line.request, line.upstreamModel) : openAIRequestBody(line.request, line.upstreamModel);
}

/** A result line read by OpenAI's synchronous converters, given the request it answers. */
export function settleOpenAIBatchLine(input: { provider: string; line: OpenAIBatchOutputLine; request: NativeBatchLine }): NativeBatchLineOutcome {
  const { request } = input;
  const target = request.operation === 'embeddings' ? { operation: 'embeddings' as const, request: request.request, upstreamModel: request.upstreamModel } : { operation: 'chat' as const };
  return convertOpenAIBatchOutputLine({ provider: input.provider, line: input.line, target });
}

function invalidResponse(provider: string, detail: string): ProviderError {
  // Retryable: the gateway checks whether a create happened before it tries again.
  return new ProviderError({ provider, status: 502, code: 'invalid_provider_response', message: `provider's batch API answered an unexpected body: ${detail}`, retryable: true });
}

function stringField(value: unknown, field: string): string | undefined {
  return isRecord(value) && typeof value[field] === 'string' && value[field] !== '' ? value[field] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
