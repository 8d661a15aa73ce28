import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import type { EmbeddingsRequest } from '../embeddings-schemas.ts';
import type { MalformedBatchLine, NativeBatchLineOutcome, NativeBatchState } from './native-batch-types.ts';

/** The operations a batch API may carry (the gateway's operation names, see src/operations). */
export type NativeBatchOperation = 'chat' | 'embeddings';

/** One gateway request to send through a provider's batch API. */
export type NativeBatchLine = ({ operation?: 'chat'; request: ChatCompletionRequest } | { operation: 'embeddings'; request: EmbeddingsRequest }) & {
  /** The id the provider echoes on the line's result (the gateway's request id for the line). */
  customId: string;
  /** The model name the provider expects (the route's `model`): the same for every line of a submission. */
  upstreamModel: string;
};

/** The documented limits of one provider batch: the defaults of `nativeBatch.maxRequestsPerBatch` / `maxBytesPerBatch`. */
export interface NativeBatchLimits {
  maxRequestsPerBatch: number;
  maxBytesPerBatch: number;
}

/**
 * What one provider batch is made of. Every line of it has one operation and one upstream model (OpenAI,
 * Gemini and Mistral take one model per batch; the gateway splits the same way everywhere).
 */
export interface NativeBatchSubmission {
  /**
   * The gateway's id for this provider batch: sent where the API keeps caller data (metadata, a display
   * name), so that a create whose answer was lost can be found again instead of made twice.
   */
  partId: string;
  operation: NativeBatchOperation;
  upstreamModel: string;
  lineCount: number;
  /** The lines, read afresh for every attempt (streamed from Postgres: never all of them in memory). */
  lines: () => AsyncIterable<NativeBatchLine>;
}

/** Where a provider batch stands, read from the provider. */
export interface NativeBatchSnapshot {
  providerBatchId: string;
  state: NativeBatchState;
  /** The provider's own status word (logs, the gateway's record of the provider batch). */
  providerStatus: string;
  /**
   * Where the results are, once the batch has settled (file ids, a results URL): opaque to the caller,
   * handed back to {@link NativeBatchCapability.readResults}. Empty while it runs and when it never ran.
   */
  results: string[];
  /** Why a batch failed as a whole (`code: message`), as the provider said. */
  errors: string[];
  /** The provider's counts, when it gives them (progress in logs only: results are what count). */
  counts?: { total: number; succeeded: number; failed: number };
}

/**
 * A result line read from the provider: `settle` turns it into the line's outcome with the sync
 * response converters, given the request it answers (the gateway looks that up by `customId`; some
 * answers cannot be read without it: embeddings' vector count, estimated usage).
 */
export type NativeBatchResult = { kind: 'result'; customId: string; settle: (line: NativeBatchLine) => NativeBatchLineOutcome } | MalformedBatchLine;

/**
 * A provider's batch API: a member of the provider client only where the provider has one. The I/O half
 * (see `batch-http.ts`); the pure half (wire schemas, convert and map functions) sits in each provider's
 * `native-batch/` folder. Every method throws a `ProviderError` (with `retryable`) when the provider
 * refuses or cannot be reached.
 */
export interface NativeBatchCapability {
  readonly limits: NativeBatchLimits;
  /** The operations its batches carry. */
  readonly operations: readonly NativeBatchOperation[];
  /**
   * Step one where the API takes an input file (OpenAI, Mistral, Together): uploads the submission's
   * lines and answers the file's id. Absent where lines go inline with the create (Anthropic, Gemini inline).
   */
  upload?(submission: NativeBatchSubmission, signal: AbortSignal): Promise<{ fileId: string }>;
  /** Creates the provider batch (from the uploaded file, or with the lines inline) and answers its id. */
  create(submission: NativeBatchSubmission & { fileId?: string | undefined }, signal: AbortSignal): Promise<{ providerBatchId: string }>;
  /**
   * A create that may have happened (it was sent; no answer came back): the provider batch it made, if
   * any, found by the submission's `partId` in the batch's metadata, its input file, or, where the API
   * keeps neither, its size and creation time (`createdAfter`). `excludeIds` are provider batches the
   * gateway already knows to be others'.
   */
  findCreated(
    input: { partId: string; fileId?: string | undefined; createdAfter: Date; lineCount: number; upstreamModel: string; excludeIds: ReadonlySet<string> },
    signal: AbortSignal,
  ): Promise<string | undefined>;
  retrieve(providerBatchId: string, signal: AbortSignal): Promise<NativeBatchSnapshot>;
  /**
   * The results of a settled batch, one line at a time, streamed from the provider (a results file can be
   * 200 MB), in the provider's order. A line that cannot be read comes out as `malformed`; the rest go on.
   */
  readResults(snapshot: NativeBatchSnapshot, signal: AbortSignal): AsyncIterable<NativeBatchResult>;
  /** Asks the provider to stop the batch; what finished stays, and comes back with the results. */
  cancel(providerBatchId: string, signal: AbortSignal): Promise<void>;
  /** Closes its connections (the provider client's `close` calls it). */
  close(): Promise<void>;
}
