import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import type { EmbeddingsRequest } from '../../embeddings-schemas.ts';
import { openAIRequestBody } from '../chat/convert-to-openai-request.ts';
import { openAIEmbeddingsBody } from '../embeddings/convert-to-openai-embeddings-request.ts';
import type { OpenAIBatchEndpoint, OpenAIBatchInputLine } from './openai-batch-schemas.ts';
import { splitIntoProviderBatches, type SplitIntoProviderBatchesResult } from '../../native-batch/split-into-provider-batches.ts';

/** One gateway request to send through OpenAI's Batch API. */
export type OpenAIBatchLineInput =
  { customId: string; operation: 'chat'; request: ChatCompletionRequest; upstreamModel: string } | { customId: string; operation: 'embeddings'; request: EmbeddingsRequest; upstreamModel: string };

/** @see https://platform.openai.com/docs/guides/batch#rate-limits */
export interface OpenAIBatchLimits {
  /** @defaultValue 50,000 (OpenAI's limit on requests per batch) */
  maxRequestsPerBatch?: number;
  /** Bytes of the input file. @defaultValue 200 MB (OpenAI's limit on a batch input file) */
  maxBytesPerBatch?: number;
}

export const openAIBatchDefaultLimits = { maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200 * 1024 * 1024 } as const;

const endpointByOperation: Record<OpenAIBatchLineInput['operation'], OpenAIBatchEndpoint> = {
  chat: '/v1/chat/completions',
  embeddings: '/v1/embeddings',
};

/**
 * A gateway request → one line of a batch input file. `body` is what the synchronous call sends
 * (built by the same functions), so a batched request and a direct one reach the model alike.
 * @see https://platform.openai.com/docs/api-reference/batch/request-input
 */
export function convertToOpenAIBatchLine(line: OpenAIBatchLineInput): OpenAIBatchInputLine {
  const body = line.operation === 'chat' ? openAIRequestBody(line.request, line.upstreamModel) : openAIEmbeddingsBody(line.request, line.upstreamModel);
  return { custom_id: line.customId, method: 'POST', url: endpointByOperation[line.operation], body };
}

/** One input line as it goes in the JSONL file, its newline included. */
export function serializeOpenAIBatchLine(line: OpenAIBatchInputLine): string {
  return `${JSON.stringify(line)}\n`;
}

/** An input file's content. */
export function serializeOpenAIBatchFile(lines: readonly OpenAIBatchInputLine[]): string {
  return lines.map(serializeOpenAIBatchLine).join('');
}

/** The part of a split that a provider batch is made of: its endpoint and model, and its lines. */
export interface OpenAIBatchPart {
  endpoint: OpenAIBatchEndpoint;
  model: string;
  lines: OpenAIBatchInputLine[];
  /** Size of the input file. */
  bytes: number;
}

/**
 * Input lines → OpenAI batches: one endpoint and one model per batch (OpenAI refuses mixed models),
 * at most `maxRequestsPerBatch` lines and `maxBytesPerBatch` bytes of JSONL each, lines in input
 * order within a batch. A line too large for any batch comes back in `oversized`.
 */
export function splitOpenAIBatchLines(lines: readonly OpenAIBatchInputLine[], limits: OpenAIBatchLimits = {}): { batches: OpenAIBatchPart[]; oversized: OpenAIBatchInputLine[] } {
  const split: SplitIntoProviderBatchesResult<OpenAIBatchInputLine> = splitIntoProviderBatches(lines, {
    measure: (line) => ({ groupKey: JSON.stringify([line.url, modelOf(line)]), bytes: Buffer.byteLength(serializeOpenAIBatchLine(line), 'utf8') }),
    maxRequestsPerBatch: limits.maxRequestsPerBatch ?? openAIBatchDefaultLimits.maxRequestsPerBatch,
    maxBytesPerBatch: limits.maxBytesPerBatch ?? openAIBatchDefaultLimits.maxBytesPerBatch,
  });
  return {
    batches: split.batches.map((part) => {
      const first = part.items[0] as OpenAIBatchInputLine;
      return { endpoint: first.url, model: modelOf(first), lines: part.items, bytes: part.bytes };
    }),
    oversized: split.oversized,
  };
}

function modelOf(line: OpenAIBatchInputLine): string {
  return typeof line.body['model'] === 'string' ? line.body['model'] : '';
}
