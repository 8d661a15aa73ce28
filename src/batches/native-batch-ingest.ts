import Big from 'big.js';
import type pg from 'pg';
import type { GatewayConfig, Pricing } from '../config/gateway-config.ts';
import type { ProviderError } from '../errors/provider-error.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { providerErrorToGatewayError } from '../execution/provider-error-mapping.ts';
import type { Logger } from '../logging/logger.ts';
import { computeCost } from '../operations/cost.ts';
import { bindRequest } from '../operations/registry.ts';
import { formatOfEndpoint } from '../formats/request-format.ts';
import { estimateUsage } from '../providers/estimate-usage.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { NativeBatchCapability, NativeBatchLine, NativeBatchSnapshot } from '../providers/native-batch/native-batch-capability.ts';
import type { NativeBatchLineOutcome } from '../providers/native-batch/native-batch-types.ts';
import type { BatchLineOutcome, BatchResultWriter } from '../records/batch-result-writer.ts';
import { resolveBatchPricing } from '../routing/resolve-batch-pricing.ts';
import { describeRoute, describeRoutes } from '../routing/resolve-route.ts';
import type { BatchStopReason } from '../queues/batch-queues.ts';
import { batchRequestId, type BatchRow } from './batch-object.ts';
import { rangesContain } from './batch-line.ts';
import { lineNotRun } from './line-not-run.ts';
import { lineNumberOfCustomId, loadPartLines, type PartLine } from './native-batch-lines.ts';
import type { ProviderBatchRow } from './provider-batch-store.ts';

/** Result lines written per page: one query reads their requests, one group commit (or two) writes them. */
const pageSize = 500;

/** Pages of results being written at once, per provider batch. */
const pagesInFlight = 2;

/** Unknown or duplicate result lines logged per provider batch, before the rest are only counted. */
const loggedStrays = 5;

type ResultItem = { lineNumber: number; settle: (line: NativeBatchLine) => NativeBatchLineOutcome } | { lineNumber: number; malformed: string };

export interface IngestInput {
  pool: pg.Pool;
  writer: BatchResultWriter;
  config: GatewayConfig;
  logger: Logger;
  part: ProviderBatchRow;
  batch: BatchRow;
  snapshot: NativeBatchSnapshot;
  capability: NativeBatchCapability;
  signal: AbortSignal;
  /** Lines the provider expired or could not run go back to the gateway's workers (`nativeBatch.onUnfinished: gateway`). */
  sendBackUnfinished: boolean;
  /** The gateway batch was cancelled or expired: lines without a result are recorded so. */
  stopReason: BatchStopReason | null;
}

export interface IngestResult {
  /** Lines with an outcome recorded. */
  recorded: number;
  /** Lines to run on the gateway's workers instead (unrecorded). */
  unfinished: number[];
  /** Result lines naming no line of this provider batch, or a line twice: logged and left out. */
  ignored: number;
}

/**
 * Reads a settled provider batch's results into the batch, as they stream in: each result line is
 * matched to its line by `custom_id` (the gateway's request id, so results may come in any order),
 * read by the sync response converters (via the capability's `settle`), priced at the batch price and
 * written through the batch writer — idempotent by request id, so a re-run after a crash records
 * nothing twice. One page of lines is in memory at a time. Lines the provider gave no result for are
 * recorded as not run (or sent back, see {@link IngestInput.sendBackUnfinished}).
 */
export async function ingestProviderBatch(input: IngestInput): Promise<IngestResult> {
  const { part, batch, logger } = input;
  const seen = new Set<number>();
  const result: IngestResult = { recorded: 0, unfinished: [], ignored: 0 };
  const prices = new PartPricing(input.config, part);
  let page: ResultItem[] = [];
  const stray = (message: string, fields: Record<string, unknown>) => {
    result.ignored += 1;
    if (result.ignored <= loggedStrays) logger.warn({ partId: part.id, providerBatchId: input.snapshot.providerBatchId, ...fields }, message);
  };
  // Up to `pagesInFlight` pages read in at once: the next page's lines load while the last ones commit.
  const writing: Array<Promise<void>> = [];
  const flush = async () => {
    const items = page;
    page = [];
    if (items.length === 0) return;
    const written = writePage(input, items, prices, result);
    written.catch(() => undefined); // awaited below; this only keeps a failure from being unhandled meanwhile
    writing.push(written);
    if (writing.length >= pagesInFlight) await writing.shift();
  };

  for await (const item of input.capability.readResults(input.snapshot, input.signal)) {
    const lineNumber = item.customId === undefined ? undefined : lineNumberOfCustomId(batch.id, item.customId);
    if (lineNumber === undefined || !rangesContain(part.ranges, lineNumber)) {
      stray(item.kind === 'malformed' ? 'provider batch result line unreadable; ignored' : 'provider batch result for an unknown custom_id; ignored', {
        customId: item.customId,
        ...(item.kind === 'malformed' ? { problem: item.message } : {}),
      });
      continue;
    }
    if (seen.has(lineNumber)) {
      stray('provider batch result for a line already read; ignored', { customId: item.customId });
      continue;
    }
    seen.add(lineNumber);
    page.push(item.kind === 'malformed' ? { lineNumber, malformed: item.message } : { lineNumber, settle: item.settle });
    if (page.length >= pageSize) await flush();
  }
  await flush();
  await Promise.all(writing);

  // Lines the provider returned nothing for (an expired or cancelled batch, a lost result).
  const missing: number[] = [];
  for (const [from, to] of part.ranges) for (let line = from; line <= to; line += 1) if (!seen.has(line)) missing.push(line);
  for (let start = 0; start < missing.length; start += pageSize) {
    const numbers = missing.slice(start, start + pageSize);
    if (input.sendBackUnfinished && input.stopReason === null) {
      result.unfinished.push(...numbers);
      continue;
    }
    const lines = await loadPartLines(input.pool, part, batch, numbers);
    result.recorded += numbers.length;
    await input.writer.recordMany(
      numbers.map((lineNumber) => {
        const line = lines.get(lineNumber);
        return lineNotRun({ batch, line: { lineNumber, customId: line?.customId ?? '' }, model: line?.model ?? '', ...missingResult(input) });
      }),
    );
  }
  return result;
}

/** How a line the provider returned no result for is recorded: stopped by the gateway, expired or cancelled by the provider, or lost. */
function missingResult(input: IngestInput): Pick<Parameters<typeof lineNotRun>[0], 'status' | 'statusCode' | 'errorCode' | 'errorMessage'> {
  const { part, snapshot, stopReason } = input;
  if (stopReason === 'cancelled') return { status: 'cancelled', statusCode: null, errorCode: 'batch_cancelled', errorMessage: 'The batch was cancelled before this request ran.' };
  if (stopReason === 'expired') return { status: 'expired', statusCode: null, errorCode: 'batch_expired', errorMessage: 'The batch expired before this request ran.' };
  if (snapshot.state === 'expired') {
    return { status: 'expired', statusCode: null, errorCode: 'batch_expired', errorMessage: `provider "${part.provider}" expired its batch ${snapshot.providerBatchId} before this request ran.` };
  }
  if (snapshot.state === 'cancelled') {
    return {
      status: 'cancelled',
      statusCode: null,
      errorCode: 'batch_cancelled',
      errorMessage: `provider "${part.provider}" cancelled its batch ${snapshot.providerBatchId} before this request ran.`,
    };
  }
  return {
    status: 'failed',
    statusCode: 502,
    errorCode: 'provider_error',
    errorMessage: `provider "${part.provider}" returned no result for this request from its batch ${snapshot.providerBatchId}.`,
  };
}

async function writePage(input: IngestInput, items: ResultItem[], prices: PartPricing, result: IngestResult): Promise<void> {
  if (items.length === 0) return;
  const lines = await loadPartLines(
    input.pool,
    input.part,
    input.batch,
    items.map((item) => item.lineNumber),
  );
  const outcomes: BatchLineOutcome[] = [];
  for (const item of items) {
    const line = lines.get(item.lineNumber);
    const outcome = line ? settleLine(input, item, line, prices) : undefined;
    if (outcome === 'unfinished') {
      result.unfinished.push(item.lineNumber);
      continue;
    }
    if (outcome) outcomes.push(outcome);
  }
  result.recorded += outcomes.length;
  await input.writer.recordMany(outcomes);
}

/** One result line → the line's outcome, or `unfinished` when it goes back to the gateway's workers. */
function settleLine(input: IngestInput, item: ResultItem, line: PartLine, prices: PartPricing): BatchLineOutcome | 'unfinished' {
  const { part, batch, snapshot } = input;
  const base = {
    kind: 'batch' as const,
    requestId: batchRequestId(batch.id, line.lineNumber),
    batchId: batch.id,
    lineNumber: line.lineNumber,
    customId: line.customId,
    projectId: batch.projectId,
    apiKeyId: batch.apiKeyId,
    acceptedAt: batch.createdAt,
    operation: part.operation,
    format: formatOfEndpoint(batch.endpoint),
    model: line.model,
    provider: part.provider,
    upstreamModel: part.upstreamModel,
    attempts: 1,
    startedAt: part.submittedAt,
    completedAt: new Date(),
    providerLatencyMs: null,
    providerBatchId: snapshot.providerBatchId,
  };
  const failed = (error: GatewayError, response: unknown = null): BatchLineOutcome => ({
    ...base,
    status: 'failed',
    statusCode: error.status,
    errorCode: error.answerCode,
    errorMessage: error.message,
    response,
    usage: null,
  });
  if (!line.ok) return failed(new GatewayError({ code: 'invalid_request_body', message: line.message }));
  if ('malformed' in item) {
    return failed(new GatewayError({ code: 'provider_error', message: `provider "${part.provider}" sent a batch result for this request that cannot be read: ${item.malformed}` }));
  }
  const settled = item.settle(line.line);
  if (settled.kind === 'error') return erroredLine(input, base, settled.error, failed);
  const pricing = prices.of(line.model);
  if (settled.kind === 'chat') {
    const { completion, warnings } = settled.result;
    const usage = settled.result.usage.estimated && line.line.operation !== 'embeddings' ? estimateUsage(line.line.request, completion) : settled.result.usage;
    return {
      ...base,
      status: 'completed',
      statusCode: 200,
      errorCode: null,
      errorMessage: null,
      response: completion,
      usage: priced(usage, pricing),
      warnings: [...line.warnings, ...(warnings ?? [])],
    };
  }
  const { vectors, usage, warnings } = settled.result;
  return { ...base, status: 'completed', statusCode: 200, errorCode: null, errorMessage: null, response: vectors, usage: priced(usage, pricing), warnings };
}

function erroredLine(
  input: IngestInput,
  base: Omit<BatchLineOutcome, 'status' | 'statusCode' | 'errorCode' | 'errorMessage' | 'response' | 'usage'>,
  error: ProviderError,
  failed: (error: GatewayError, response?: unknown) => BatchLineOutcome,
): BatchLineOutcome | 'unfinished' {
  const notRun = error.code === 'batch_expired' || error.code === 'batch_cancelled';
  if (notRun && input.stopReason !== null) {
    const cancelled = input.stopReason === 'cancelled';
    return {
      ...base,
      status: input.stopReason,
      statusCode: null,
      errorCode: cancelled ? 'batch_cancelled' : 'batch_expired',
      errorMessage: cancelled ? 'The batch was cancelled before this request ran.' : 'The batch expired before this request ran.',
      response: null,
      usage: null,
      attempts: 0,
      startedAt: null,
    };
  }
  // The provider expired it or failed on its side: the gateway's workers may still run it.
  if ((notRun || error.retryable) && input.sendBackUnfinished) return 'unfinished';
  if (notRun) {
    return {
      ...base,
      status: error.code === 'batch_cancelled' ? 'cancelled' : 'expired',
      statusCode: null,
      errorCode: error.code,
      errorMessage: `provider "${error.provider}": ${error.message}`,
      response: null,
      usage: null,
      attempts: 0,
      startedAt: null,
    };
  }
  const gatewayError = providerErrorToGatewayError(error);
  return failed(gatewayError, error.status === undefined ? null : gatewayError.toBody());
}

function priced(usage: TokenUsage, pricing: ModelPrices) {
  // Lines of one batch often have the same token counts (a classification's label, a fixed prompt):
  // their exact decimal costs are worked out once.
  if (pricing.unknown) return { ...usage, cost: '0', costUnknown: true as const };
  const key = `${usage.promptTokens}:${usage.completionTokens}:${usage.cachedPromptTokens ?? 0}:${usage.cacheCreationTokens ?? 0}:${usage.cacheCreation1hTokens ?? 0}`;
  let costs = pricing.costs.get(key);
  if (!costs) {
    const cost = computeCost({ usage, pricing: pricing.batch });
    costs = { cost, batchSaved: new Big(computeCost({ usage, pricing: pricing.sync })).minus(cost).toFixed(10) };
    if (pricing.costs.size >= maxRememberedCosts) pricing.costs.clear();
    pricing.costs.set(key, costs);
  }
  return { ...usage, ...costs };
}

/** Distinct token counts whose costs one model's prices remember. */
const maxRememberedCosts = 4096;

/** A model's batch and sync prices, and the costs of the token counts seen so far. */
interface ModelPrices {
  batch: Pricing;
  sync: Pricing;
  /** Nothing prices the route: its lines are recorded with an unknown cost. */
  unknown: boolean;
  costs: Map<string, { cost: string; batchSaved: string }>;
}

/**
 * A part's prices per gateway model: the batch price of the route the part runs on (its provider and
 * upstream model, priced as the model's config says) and the sync price it saves against.
 */
export class PartPricing {
  private readonly byModel = new Map<string, ModelPrices>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly part: ProviderBatchRow,
  ) {}

  /** What a line is expected to cost at the batch price: its estimated input, and its `max_tokens` of output where set. */
  estimate(model: string, line: NativeBatchLine): Big {
    const { batch } = this.of(model);
    const input = bindRequest(line.operation === 'embeddings' ? { operation: 'embeddings', request: line.request } : { operation: 'chat', request: line.request }).estimateInputTokens(
      this.part.upstreamModel,
    );
    const maxOutput = line.operation === 'embeddings' ? 0 : (line.request.max_completion_tokens ?? line.request.max_tokens ?? 0);
    return new Big(batch.inputPerMillion).times(input).plus(new Big(batch.outputPerMillion).times(maxOutput)).div(1_000_000);
  }

  of(model: string): ModelPrices {
    let prices = this.byModel.get(model);
    if (!prices) {
      const { provider, upstreamModel } = this.part;
      const route =
        describeRoutes({ model, config: this.config })?.find((candidate) => candidate.provider === provider && candidate.upstreamModel === upstreamModel) ??
        describeRoute({ config: this.config, provider, upstreamModel });
      const discount = this.config.providers[provider]?.nativeBatch?.discount ?? '0.5';
      prices = { batch: resolveBatchPricing(route, discount), sync: route.pricing, unknown: route.source === 'none', costs: new Map() };
      this.byModel.set(model, prices);
    }
    return prices;
  }
}
