import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { GoogleProviderConfig } from '../../../config/provider-config.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { BatchHttp } from '../../native-batch/batch-http.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import type { GeminiRequestSettings } from '../chat/convert-to-gemini-request.ts';
import { parseGeminiError } from '../gemini-error.ts';
import { geminiInvalidRequest } from '../gemini-request-error.ts';
import { convertGeminiBatchResultLine, parseGeminiBatchResultLine } from './convert-gemini-batch-results.ts';
import { convertToGeminiBatchLine, geminiBatchDefaultLimits, serializeGeminiBatchLine } from './convert-to-gemini-batch-lines.ts';
import {
  buildCancelGeminiBatchRequest,
  buildCreateGeminiBatchRequest,
  buildGeminiBatchFileUpload,
  buildGeminiResultsDownload,
  buildListGeminiBatchesRequest,
  buildRetrieveGeminiBatchRequest,
  geminiUploadBaseUrl,
} from './gemini-batch-requests.ts';
import { geminiBatchListSchema, geminiBatchOperationSchema, geminiCreateFileResponseSchema, type GeminiBatchInputLine, type GeminiBatchOperation } from './gemini-batch-schemas.ts';
import { mapGeminiBatchStatus } from './map-gemini-batch-status.ts';

/** A Gemini batch capability, with its sockets to close when the provider client closes. */
export interface GeminiNativeBatch extends NativeBatchCapability {
  close(): Promise<void>;
}

/** A line the request converter refused: never sent, it fails alone with the converter's own error. */
interface RejectedLine {
  customId: string;
  error: ProviderError;
}

/** Batches read per `batches.list` page, and pages read at most, when looking for a lost create. */
const listPageSize = 100;
const maxListPages = 50;

/** The JSONL is sent in pieces of about this many characters rather than one write per line. */
const uploadChunkChars = 64 * 1024;

/**
 * Gemini's Batch API as a {@link NativeBatchCapability}: chat lines (`generateContent` requests) at half
 * the price, one model per batch.
 *
 * Lines always go in an input file, never inline: inline requests are capped at 20 MB per create call and
 * their answers come back inside the batch resource (read whole on every poll), while a file takes 2 GB,
 * is uploaded as it is read from `submission.lines()`, and its responses come back as a JSONL file read
 * line by line. One way in and out also keeps one path to test. Embeddings stay on the gateway's workers:
 * `asyncBatchEmbedContent` embeds one content per request, where a gateway line carries several inputs
 * whose vectors would have to be gathered again from a file in no set order.
 *
 * A line the request converter refuses is left out of the file; `readResults` yields it first, its
 * `settle` answering the converter's error. Those refusals are kept in this process's memory from the
 * upload until the batch's results have been read once: after a restart in between, those lines come
 * back with no result line at all (the caller settles missing lines anyway). A submission whose every
 * line is refused uploads nothing: `upload` throws the first refusal.
 * @see https://ai.google.dev/gemini-api/docs/batch-api
 */
export function createGeminiNativeBatch(name: string, config: GoogleProviderConfig): GeminiNativeBatch {
  const settings: GeminiRequestSettings = { apiKey: config.apiKey, headers: config.headers };
  const http = new BatchHttp({ name, baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, parseError: parseGeminiError });
  const uploads = new BatchHttp({ name, baseUrl: geminiUploadBaseUrl(config.baseUrl), timeoutMs: config.timeoutMs, parseError: parseGeminiError });
  /** Refusals of an uploaded input file, until a batch is made of it. */
  const rejectedByFile = new Map<string, RejectedLine[]>();
  /** Refusals of a created batch, until its results have been read. */
  const rejectedByBatch = new Map<string, RejectedLine[]>();

  function convertLine(line: NativeBatchLine): { kind: 'line'; line: GeminiBatchInputLine } | ({ kind: 'rejected' } & RejectedLine) {
    if (line.operation === 'embeddings') return { kind: 'rejected', customId: line.customId, error: geminiInvalidRequest("Gemini's Batch API carries chat requests only here", 'operation') };
    return convertToGeminiBatchLine({ customId: line.customId, request: line.request, upstreamModel: line.upstreamModel }, settings);
  }

  async function upload(submission: NativeBatchSubmission, signal: AbortSignal): Promise<{ fileId: string }> {
    refuseOtherOperations(submission);
    const rejected: RejectedLine[] = [];
    const lines = submission.lines()[Symbol.asyncIterator]();
    // The first line is found before anything is sent: a file of no requests makes no batch.
    let first: GeminiBatchInputLine | undefined;
    while (first === undefined) {
      const next = await lines.next();
      if (next.done) break;
      const converted = convertLine(next.value);
      if (converted.kind === 'line') first = converted.line;
      else rejected.push(converted);
    }
    if (first === undefined) throw noLineToSend(rejected[0]);
    const firstLine = first;
    async function* content(): AsyncIterable<string> {
      let chunk = serializeGeminiBatchLine(firstLine);
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        const converted = convertLine(next.value);
        if (converted.kind === 'rejected') {
          rejected.push(converted);
          continue;
        }
        chunk += serializeGeminiBatchLine(converted.line);
        if (chunk.length >= uploadChunkChars) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk.length > 0) yield chunk;
    }
    const boundary = `gateway-${randomBytes(12).toString('hex')}`;
    const wire = buildGeminiBatchFileUpload({ displayName: submission.partId, boundary, content, config: settings });
    const answer = parsed(geminiCreateFileResponseSchema, await uploads.streamed(wire, signal), 'the file upload');
    if (rejected.length > 0) rejectedByFile.set(answer.file.name, rejected);
    return { fileId: answer.file.name };
  }

  /** The batch is made of the file: its refusals now wait for the batch's results. */
  function madeOf(fileName: string | undefined, batchName: string): void {
    if (fileName === undefined) return;
    const rejected = rejectedByFile.get(fileName);
    rejectedByFile.delete(fileName);
    if (rejected) rejectedByBatch.set(batchName, rejected);
  }

  function refuseOtherOperations(submission: NativeBatchSubmission): void {
    if (submission.operation !== 'chat') throw geminiInvalidRequest(`Gemini's Batch API carries chat requests only here, not ${submission.operation}`, 'operation');
  }

  function noLineToSend(refusal: RejectedLine | undefined): ProviderError {
    return new ProviderError({
      provider: name,
      status: 400,
      type: 'invalid_request_error',
      code: refusal?.error.code ?? 'invalid_request',
      param: refusal?.error.param,
      message: `no line of this batch can be sent to Gemini${refusal ? ` (line ${refusal.customId}: ${refusal.error.message})` : ''}`,
      retryable: false,
    });
  }

  /** An answer that cannot be read is retryable: it is treated as no answer (a create is then looked for, not repeated). */
  function parsed<Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.infer<Schema> {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw new ProviderError({
      provider: name,
      status: 502,
      code: 'invalid_provider_response',
      message: `Gemini's Batch API answered ${what} with an unexpected body: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      retryable: true,
    });
  }

  async function retrieveOperation(batchName: string, signal: AbortSignal): Promise<GeminiBatchOperation> {
    return parsed(geminiBatchOperationSchema, await http.json(buildRetrieveGeminiBatchRequest({ batchName, config: settings }), signal), 'a batch retrieve');
  }

  return {
    limits: { ...geminiBatchDefaultLimits },
    operations: ['chat'],
    upload,

    async create(submission, signal) {
      refuseOtherOperations(submission);
      const fileName = submission.fileId ?? (await upload(submission, signal)).fileId;
      const wire = buildCreateGeminiBatchRequest({ upstreamModel: submission.upstreamModel, displayName: submission.partId, fileName, config: settings });
      const operation = parsed(geminiBatchOperationSchema, await http.json(wire, signal), 'the batch create');
      madeOf(fileName, operation.name);
      return { providerBatchId: operation.name };
    },

    /**
     * A batch keeps its display name, which is the part's id: the newest batches are listed (pages of
     * 100, at most 5,000 batches) and the one named so (or made of the part's input file), not among
     * `excludeIds`, is the lost create's.
     * @see https://ai.google.dev/api/batch-api#method:-batches.list
     */
    async findCreated(input, signal) {
      let pageToken: string | undefined;
      for (let page = 0; page < maxListPages; page += 1) {
        const list = parsed(geminiBatchListSchema, await http.json(buildListGeminiBatchesRequest({ pageSize: listPageSize, pageToken, config: settings }), signal), 'the batch list');
        for (const item of list.operations ?? []) {
          const operation = geminiBatchOperationSchema.safeParse(item);
          if (!operation.success || input.excludeIds.has(operation.data.name) || !madeFor(operation.data, input)) continue;
          madeOf(input.fileId, operation.data.name);
          return operation.data.name;
        }
        pageToken = list.nextPageToken;
        if (!pageToken) return undefined;
      }
      return undefined;
    },

    async retrieve(providerBatchId, signal): Promise<NativeBatchSnapshot> {
      return mapGeminiBatchStatus(await retrieveOperation(providerBatchId, signal));
    },

    async *readResults(snapshot, signal): AsyncIterable<NativeBatchResult> {
      const batchName = snapshot.providerBatchId;
      for (const refused of rejectedByBatch.get(batchName) ?? []) {
        yield { kind: 'result', customId: refused.customId, settle: () => ({ kind: 'error', customId: refused.customId, error: refused.error }) };
      }
      for (const fileName of snapshot.results) {
        for await (const text of http.lines(buildGeminiResultsDownload({ baseUrl: config.baseUrl, fileName, config: settings }), signal)) {
          const result = parseGeminiBatchResultLine(text);
          if (result.kind === 'malformed') {
            yield result;
            continue;
          }
          const { line } = result;
          yield { kind: 'result', customId: line.key, settle: (target) => convertGeminiBatchResultLine({ provider: name, line, target, config: settings }) };
        }
      }
      rejectedByBatch.delete(batchName);
    },

    /**
     * What Gemini answers to cancelling a batch that has already settled is not documented: a refusal
     * (400/409) of a batch that has settled means the cancel is done.
     * @see https://ai.google.dev/gemini-api/docs/batch-api#cancel-batch-job
     */
    async cancel(providerBatchId, signal) {
      try {
        await http.json(buildCancelGeminiBatchRequest({ batchName: providerBatchId, config: settings }), signal);
      } catch (error) {
        if (!ProviderError.is(error) || (error.status !== 400 && error.status !== 409)) throw error;
        if (mapGeminiBatchStatus(await retrieveOperation(providerBatchId, signal)).state === 'running') throw error;
      }
    },

    async close() {
      await Promise.all([http.close(), uploads.close()]);
    },
  };
}

/** The batch a lost create made: its display name is the part's id (or its input is the part's file). */
function madeFor(operation: GeminiBatchOperation, input: { partId: string; fileId?: string | undefined }): boolean {
  const metadata = operation.metadata;
  return metadata?.displayName === input.partId || (input.fileId !== undefined && metadata?.inputConfig?.fileName === input.fileId);
}
