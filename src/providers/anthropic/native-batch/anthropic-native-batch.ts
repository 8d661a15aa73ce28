import { z } from 'zod';
import type { AnthropicProviderConfig } from '../../../config/provider-config.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import type { ChatResult } from '../../provider-client.ts';
import { estimateUsage } from '../../estimate-usage.ts';
import { BatchHttp, type BatchLinesSource } from '../../native-batch/batch-http.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchResult, NativeBatchSnapshot, NativeBatchSubmission } from '../../native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../../native-batch/native-batch-types.ts';
import { parseAnthropicError } from '../anthropic-error.ts';
import { anthropicRequestError } from '../anthropic-request-error.ts';
import { anthropicMessageBatchSchema, type AnthropicBatchResultLine, type AnthropicMessageBatch } from './anthropic-batch-schemas.ts';
import { anthropicBatchHeaders, buildAnthropicBatchResultsRequest, buildCancelAnthropicBatchRequest, buildRetrieveAnthropicBatchRequest } from './anthropic-batch-requests.ts';
import { convertAnthropicBatchResultLine, parseAnthropicBatchResultLine } from './convert-anthropic-batch-results.ts';
import { anthropicBatchDefaultLimits, convertToAnthropicBatchRequests, type AnthropicBatchRequestLine } from './convert-to-anthropic-batch-requests.ts';
import { mapAnthropicBatchStatus } from './map-anthropic-batch-status.ts';

/** Anthropic's native batch, and the pool its calls use (closed with the provider client). */
export type AnthropicNativeBatch = NativeBatchCapability & { close(): Promise<void> };

export interface AnthropicNativeBatchOptions {
  /** The clock of the completions' `created`. @defaultValue Date.now */
  now?: () => number;
}

/** A line the request converter refused: never sent, it fails alone with the converter's own error. */
interface RejectedLine {
  customId: string;
  error: ProviderError;
}

/**
 * How far before `createdAfter` a batch still counts as possibly ours: the gateway's clock and
 * Anthropic's are not the same clock, and `createdAfter` is taken before the create was sent.
 */
const clockSkewMs = 2 * 60_000;
/** Pages of 100 listed at most when looking for a lost create (newest first: ours is near the top). */
const maxListPages = 20;
/** The create body goes out in chunks of about this many characters, not one write per request. */
const createChunkChars = 64 * 1024;

const batchListSchema = z.looseObject({
  data: z.array(anthropicMessageBatchSchema),
  has_more: z.boolean(),
  last_id: z.string().nullish(),
});

/**
 * Anthropic's Message Batches API as the gateway's native batch capability (chat only). Requests go
 * inline with the create, so there is no upload: the create body `{"requests":[…]}` is streamed as the
 * submission's lines are read, each request's `params` being exactly what the synchronous Messages
 * call sends. Results are read line by line from the batch's `results_url`.
 *
 * A line the request converter refuses (`n` > 1, audio, a `custom_id` Anthropic refuses) is left out
 * of the create, which goes ahead with the rest; `readResults` then yields it first, its `settle`
 * answering the converter's error. Those refusals are kept in this process's memory from the create
 * until the batch's results have been read once: a process that restarts in between loses them, and
 * those lines come back with no result line at all (the caller must settle missing lines anyway).
 * A submission whose every line is refused creates nothing: `create` throws the first refusal.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/batch-processing
 * @see https://docs.anthropic.com/en/api/creating-message-batches
 */
export function createAnthropicNativeBatch(name: string, config: AnthropicProviderConfig, options: AnthropicNativeBatchOptions = {}): AnthropicNativeBatch {
  const now = options.now ?? (() => Date.now());
  const http = new BatchHttp({ name, baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, parseError: parseAnthropicError });
  const baseOrigin = new URL(config.baseUrl).origin;
  /** Refusals of a create attempt whose answer may not have come back, by the submission's partId. */
  const rejectedByPart = new Map<string, RejectedLine[]>();
  /** Refusals of a created batch, until its results have been read. */
  const rejectedByBatch = new Map<string, RejectedLine[]>();

  function convertLine(line: NativeBatchLine): { request: AnthropicBatchRequestLine } | RejectedLine {
    if (line.operation === 'embeddings') {
      return { customId: line.customId, error: anthropicRequestError({ param: 'operation', message: "Anthropic's Message Batches carry chat requests only" }) };
    }
    const converted = convertToAnthropicBatchRequests([{ customId: line.customId, request: line.request, upstreamModel: line.upstreamModel }], config);
    const request = converted.requests[0];
    if (request) return { request };
    return converted.rejected[0] ?? { customId: line.customId, error: anthropicRequestError({ param: 'messages', message: 'the request could not be converted' }) };
  }

  /** A succeeded/errored/canceled/expired line → the outcome the synchronous call would have had. */
  function settle(result: AnthropicBatchResultLine, line: NativeBatchLine): NativeBatchLineOutcome {
    const outcome = convertAnthropicBatchResultLine({ provider: name, line: result }, now);
    if (outcome.kind !== 'chat' || line.operation === 'embeddings') return outcome;
    // As the synchronous call does: usage estimated when Anthropic gave none, the request's dropped settings as warnings.
    const converted = convertLine(line);
    const requestWarnings = 'request' in converted ? converted.request.warnings : undefined;
    let chat: ChatResult = outcome.result;
    if (chat.usage.estimated) chat = { ...chat, usage: estimateUsage(line.request, chat.completion) };
    const warnings = [...(requestWarnings ?? []), ...(chat.warnings ?? [])];
    return { kind: 'chat', customId: outcome.customId, result: warnings.length > 0 ? { ...chat, warnings } : chat };
  }

  function readBatch(body: unknown, during: string): AnthropicMessageBatch {
    const parsed = anthropicMessageBatchSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    // Retryable: an answer that cannot be read is treated as no answer (a create is then looked for, not repeated).
    throw new ProviderError({
      provider: name,
      status: 502,
      code: 'invalid_provider_response',
      message: `${during}: unexpected Message Batch: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      retryable: true,
    });
  }

  async function retrieveBatch(batchId: string, signal: AbortSignal): Promise<AnthropicMessageBatch> {
    return readBatch(await http.json(buildRetrieveAnthropicBatchRequest({ batchId, config }), signal), 'retrieving a Message Batch');
  }

  /**
   * The results as Anthropic gives them: from `results_url` when it is on the configured API's origin,
   * else from the documented results path under the configured `baseUrl`, so that the API key is
   * never sent to another host.
   */
  function resultsSource(url: string, batchId: string): BatchLinesSource {
    const documented = buildAnthropicBatchResultsRequest({ batchId, config });
    return URL.canParse(url) && new URL(url).origin === baseOrigin ? { url, headers: documented.headers } : documented;
  }

  return {
    limits: { ...anthropicBatchDefaultLimits },
    operations: ['chat'],

    async create(submission: NativeBatchSubmission, signal: AbortSignal) {
      const rejected: RejectedLine[] = [];
      const lines = submission.lines()[Symbol.asyncIterator]();
      // The first request is found before anything is sent: a body of no requests is one Anthropic refuses.
      let first: AnthropicBatchRequestLine | undefined;
      while (first === undefined) {
        const next = await lines.next();
        if (next.done) break;
        const converted = convertLine(next.value);
        if ('request' in converted) first = converted.request;
        else rejected.push(converted);
      }
      if (first === undefined) {
        const refusal = rejected[0];
        throw new ProviderError({
          provider: name,
          status: 400,
          type: 'invalid_request_error',
          code: refusal?.error.code ?? 'invalid_request_error',
          param: refusal?.error.param,
          message: `no line of this batch can be sent to Anthropic${refusal ? ` (line ${refusal.customId}: ${refusal.error.message})` : ''}`,
          retryable: false,
        });
      }
      const firstRequest = first.request;
      rejectedByPart.set(submission.partId, rejected);
      async function* body(): AsyncIterable<string> {
        let chunk = `{"requests":[${JSON.stringify(firstRequest)}`;
        for (let next = await lines.next(); !next.done; next = await lines.next()) {
          const converted = convertLine(next.value);
          if (!('request' in converted)) {
            rejected.push(converted);
            continue;
          }
          chunk += `,${JSON.stringify(converted.request.request)}`;
          if (chunk.length >= createChunkChars) {
            yield chunk;
            chunk = '';
          }
        }
        yield `${chunk}]}`;
      }
      const answer = await http.streamed({ method: 'POST', path: '/messages/batches', headers: anthropicBatchHeaders(config), body }, signal);
      const batch = readBatch(answer, 'creating a Message Batch');
      rejectedByPart.delete(submission.partId);
      if (rejected.length > 0) rejectedByBatch.set(batch.id, rejected);
      return { providerBatchId: batch.id };
    },

    /**
     * A Message Batch keeps no caller data, so a lost create is recognised by its shape alone: created
     * at or after `createdAfter` less two minutes (clock skew), with as many requests as the submission
     * sent (its lines less those refused, as far as this process remembers), and not one of
     * `excludeIds`. Exactly one such batch is taken for ours; none, or several, answer undefined.
     * Its limits: another client of the same workspace (or another gateway) creating a batch of the
     * same size in that window makes ours ambiguous or mistaken; a skew beyond two minutes misses it;
     * after a restart, a part with refused lines is looked for at its full size and not found; only
     * the newest 2,000 batches are listed.
     * @see https://docs.anthropic.com/en/api/listing-message-batches
     */
    async findCreated(input, signal) {
      const cutoff = input.createdAfter.getTime() - clockSkewMs;
      const rejected = rejectedByPart.get(input.partId) ?? [];
      const expectedRequests = input.lineCount - rejected.length;
      const candidates: string[] = [];
      let afterId: string | undefined;
      for (let page = 0; page < maxListPages; page += 1) {
        const query = new URLSearchParams({ limit: '100', ...(afterId ? { after_id: afterId } : {}) });
        const headers = withoutContentType(anthropicBatchHeaders(config));
        const parsed = batchListSchema.safeParse(await http.json({ method: 'GET', path: `/messages/batches?${query}`, headers }, signal));
        if (!parsed.success) {
          throw new ProviderError({ provider: name, status: 502, code: 'invalid_provider_response', message: 'listing Message Batches: unexpected answer', retryable: true });
        }
        let reachedCutoff = false;
        for (const batch of parsed.data.data) {
          const createdAt = Date.parse(batch.created_at);
          if (createdAt < cutoff) {
            reachedCutoff = true;
            continue;
          }
          const counts = batch.request_counts;
          const total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
          if (total === expectedRequests && !input.excludeIds.has(batch.id)) candidates.push(batch.id);
        }
        if (reachedCutoff || !parsed.data.has_more || !parsed.data.last_id) break;
        afterId = parsed.data.last_id;
      }
      const found = candidates.length === 1 ? candidates[0] : undefined;
      if (found !== undefined) {
        rejectedByPart.delete(input.partId);
        if (rejected.length > 0) rejectedByBatch.set(found, rejected);
      }
      return found;
    },

    async retrieve(providerBatchId, signal): Promise<NativeBatchSnapshot> {
      const batch = await retrieveBatch(providerBatchId, signal);
      const progress = mapAnthropicBatchStatus(batch);
      const counts = batch.request_counts;
      return {
        providerBatchId: batch.id,
        state: progress.state,
        providerStatus: progress.raw,
        results: progress.resultsUrl ? [progress.resultsUrl] : [],
        // A Message Batch never fails as a whole once created: its requests fail one by one.
        errors: [],
        counts: {
          total: counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired,
          succeeded: counts.succeeded,
          failed: counts.errored + counts.canceled + counts.expired,
        },
      };
    },

    async *readResults(snapshot, signal): AsyncIterable<NativeBatchResult> {
      const batchId = snapshot.providerBatchId;
      for (const refused of rejectedByBatch.get(batchId) ?? []) {
        yield { kind: 'result', customId: refused.customId, settle: () => ({ kind: 'error', customId: refused.customId, error: refused.error }) };
      }
      for (const url of snapshot.results) {
        for await (const text of http.lines(resultsSource(url, batchId), signal)) {
          const parsed = parseAnthropicBatchResultLine(text);
          if (parsed.kind === 'malformed') yield parsed;
          else yield { kind: 'result', customId: parsed.line.custom_id, settle: (line) => settle(parsed.line, line) };
        }
      }
      rejectedByBatch.delete(batchId);
    },

    /**
     * Cancelling a batch that has already ended is not an error here (a cancel can cross the batch's
     * end): when Anthropic refuses the cancel and the batch has ended, the cancel is done.
     * @see https://docs.anthropic.com/en/api/canceling-message-batches
     */
    async cancel(providerBatchId, signal) {
      try {
        readBatch(await http.json(buildCancelAnthropicBatchRequest({ batchId: providerBatchId, config }), signal), 'cancelling a Message Batch');
      } catch (error) {
        if (!ProviderError.is(error) || (error.status !== 400 && error.status !== 409)) throw error;
        const batch = await retrieveBatch(providerBatchId, signal);
        if (batch.processing_status !== 'ended') throw error;
      }
    },

    close: () => http.close(),
  };
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([header]) => header.toLowerCase() !== 'content-type'));
}
