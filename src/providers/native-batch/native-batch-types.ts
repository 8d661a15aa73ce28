import type { ProviderError } from '../../errors/provider-error.ts';
import type { ChatResult, EmbeddingsResult } from '../provider-client.ts';

/**
 * A call to a provider's batch API, built by a pure function. Unlike {@link WireRequest} it names its
 * method, because batch APIs mix GET and POST on one resource.
 */
export interface BatchWireRequest {
  method: 'GET' | 'POST';
  /** Relative to the provider's baseUrl, as for WireRequest (e.g. `/batches`). */
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Where a provider batch stands, in the gateway's terms, whatever the provider called it. */
export type NativeBatchState = 'running' | 'finished' | 'failed' | 'cancelled' | 'expired';

/** How one line of a provider batch settled, once its result line has been read. */
export type NativeBatchLineOutcome =
  { kind: 'chat'; customId: string; result: ChatResult } | { kind: 'embeddings'; customId: string; result: EmbeddingsResult } | { kind: 'error'; customId: string; error: ProviderError };

/**
 * A result line that could not be read at all: that line fails, the rest of the file does not.
 * `customId` is there when the line got far enough to name one.
 */
export interface MalformedBatchLine {
  kind: 'malformed';
  customId?: string;
  message: string;
}
