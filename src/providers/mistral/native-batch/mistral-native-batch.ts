import type { z } from 'zod';
import type { PresetProviderConfig } from '../../../config/provider-config.ts';
import { ConfigurationError } from '../../../errors/configuration-error.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { BatchHttp } from '../../native-batch/batch-http.ts';
import type { NativeBatchCapability, NativeBatchResult, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import { openAICompatiblePresets } from '../../openai-compatible/presets.ts';
import { convertMistralBatchOutputLine, parseMistralBatchOutputLine } from './convert-mistral-batch-results.ts';
import { convertToMistralBatchLine, mistralWireFormat, serializeMistralBatchLine } from './convert-to-mistral-batch-lines.ts';
import { findMistralBatchJobOfPart, mapMistralBatchStatus } from './map-mistral-batch-status.ts';
import {
  buildCancelMistralBatchJobRequest,
  buildCreateMistralBatchJobRequest,
  buildListMistralBatchJobsRequest,
  buildMistralBatchFileUpload,
  buildMistralFileContentRequest,
  buildRetrieveMistralBatchJobRequest,
} from './mistral-batch-requests.ts';
import { mistralBatchDefaultLimits, mistralBatchEndpointByOperation, mistralBatchJobListSchema, mistralBatchJobSchema, mistralUploadedFileSchema } from './mistral-batch-schemas.ts';

/** Jobs read per page when looking for a lost create (Mistral's default page size). */
const listPageSize = 100;
/** Pages read at most: a lost create is among the newest jobs, so this many pages is already far back. */
const maxListPages = 20;
/** `created_after` is Mistral's clock, `createdAfter` the gateway's: allow for them to differ. */
const clockSkewMs = 5 * 60_000;
/** Input lines are sent in pieces of about this size rather than one write each. */
const uploadChunkBytes = 64 * 1024;

/** A Mistral batch capability (its input goes in a file, so it always uploads), and the socket pool it owns. */
export interface MistralNativeBatch extends NativeBatchCapability {
  upload(submission: NativeBatchSubmission, signal: AbortSignal): Promise<{ fileId: string }>;
  /** Closes the batch calls' own pool: call it with the provider client's `close()`. */
  close(): Promise<void>;
}

/**
 * The native batch API of a `type: mistral` provider: the input file uploaded to `/v1/files`, a job per
 * part at `/v1/batch/jobs` (chat or embeddings, one model), polled, its output and error files streamed
 * back and settled by the preset's synchronous converters. At half the synchronous price.
 * @see https://docs.mistral.ai/capabilities/batch
 * @see https://docs.mistral.ai/api/endpoint/batch
 */
export function createMistralNativeBatch(name: string, config: PresetProviderConfig): MistralNativeBatch {
  if (config.type !== 'mistral') throw new ConfigurationError(`providers.${name}: native batches here are Mistral's, not "${config.type}"'s`);
  const http = new BatchHttp({ name, baseUrl: config.baseUrl ?? openAICompatiblePresets.mistral.baseUrl, timeoutMs: config.timeoutMs, parseError: mistralWireFormat().parseError });

  const readAs = <Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.infer<Schema> => {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ProviderError({
      provider: name,
      status: 502,
      code: 'invalid_provider_response',
      message: `provider answered an unexpected ${what}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      // The call may have taken effect: trying again (after looking for it) is how to find out.
      retryable: true,
    });
  };

  /** The input file's content: the lines the preset accepts, in pieces; a line it refuses is left out. */
  async function* inputFile(submission: NativeBatchSubmission): AsyncIterable<string> {
    let pending = '';
    for await (const line of submission.lines()) {
      const converted = convertToMistralBatchLine(line, config);
      if (converted.kind === 'rejected') continue;
      pending += serializeMistralBatchLine(converted.line);
      if (pending.length >= uploadChunkBytes) {
        yield pending;
        pending = '';
      }
    }
    if (pending.length > 0) yield pending;
  }

  async function upload(submission: NativeBatchSubmission, signal: AbortSignal): Promise<{ fileId: string }> {
    const body = await http.upload(buildMistralBatchFileUpload({ config, requestId: submission.partId, filename: `${submission.partId}.jsonl`, content: () => inputFile(submission) }), signal);
    return { fileId: readAs(mistralUploadedFileSchema, body, 'file').id };
  }

  return {
    limits: mistralBatchDefaultLimits,
    operations: ['chat', 'embeddings'],
    upload,

    async create(submission, signal) {
      // The gateway uploads first; a caller that did not gets the same upload here.
      const fileId = submission.fileId ?? (await upload(submission, signal)).fileId;
      const request = buildCreateMistralBatchJobRequest({
        config,
        requestId: submission.partId,
        inputFileId: fileId,
        endpoint: mistralBatchEndpointByOperation[submission.operation],
        model: submission.upstreamModel,
        partId: submission.partId,
      });
      return { providerBatchId: readAs(mistralBatchJobSchema, await http.json(request, signal), 'batch job').id };
    },

    async findCreated(input, signal) {
      const createdAfter = new Date(input.createdAfter.getTime() - clockSkewMs);
      for (let page = 0; page < maxListPages; page += 1) {
        const request = buildListMistralBatchJobsRequest({ config, requestId: input.partId, createdAfter, page, pageSize: listPageSize });
        const list = readAs(mistralBatchJobListSchema, await http.json(request, signal), 'batch job list');
        const found = findMistralBatchJobOfPart(list.data, input);
        if (found) return found.id;
        if (list.data.length === 0 || (page + 1) * listPageSize >= list.total) return undefined;
      }
      return undefined;
    },

    async retrieve(providerBatchId, signal) {
      const body = await http.json(buildRetrieveMistralBatchJobRequest({ config, requestId: providerBatchId, jobId: providerBatchId }), signal);
      return mapMistralBatchStatus(readAs(mistralBatchJobSchema, body, 'batch job'));
    },

    async *readResults(snapshot, signal): AsyncIterable<NativeBatchResult> {
      for (const fileId of snapshot.results) {
        for await (const text of http.lines(buildMistralFileContentRequest({ config, requestId: snapshot.providerBatchId, fileId }), signal)) {
          const parsed = parseMistralBatchOutputLine(text);
          if (parsed.kind === 'malformed') {
            yield parsed;
            continue;
          }
          const line = parsed.line;
          yield { kind: 'result', customId: line.custom_id, settle: (request) => convertMistralBatchOutputLine({ provider: name, line, request, config }) };
        }
      }
    },

    async cancel(providerBatchId, signal) {
      await http.json(buildCancelMistralBatchJobRequest({ config, requestId: providerBatchId, jobId: providerBatchId }), signal);
    },

    close: () => http.close(),
  };
}
