import { toRanges } from './batch-line.ts';
import { providerBatchPartId, type NewProviderBatch } from './provider-batch-store.ts';

/** A line bound for a provider's batch API, as the start step reads it. */
export interface NativeLine {
  lineNumber: number;
  provider: string;
  operation: 'chat' | 'embeddings';
  upstreamModel: string;
  /** The stored line's size: what it adds to the provider batch's input, give or take the conversion. */
  bytes: number;
}

interface OpenPart {
  provider: string;
  operation: NativeLine['operation'];
  upstreamModel: string;
  lines: number[];
  bytes: number;
}

/**
 * Room left in every provider batch for what the conversion adds to a line (the provider's envelope,
 * the upstream model's name, a longer custom id): parts are filled to this share of the byte limit.
 */
const byteHeadroom = 0.8;

/**
 * Groups a batch's native lines into provider batches as the start step pages through the input file:
 * one provider, operation and upstream model per part (OpenAI, Gemini and Mistral take one model per
 * batch), each filled in line order until the provider's request or byte limit. A part is handed back
 * the moment it is full, so only open parts' line numbers are in memory.
 */
export class NativePartBuilder {
  private readonly open = new Map<string, OpenPart>();

  constructor(
    private readonly batchId: string,
    private readonly limitsOf: (provider: string) => { maxRequestsPerBatch: number; maxBytesPerBatch: number },
  ) {}

  /** Adds a line; answers the part it closed, if its group's part was full. */
  add(line: NativeLine): NewProviderBatch | undefined {
    const key = JSON.stringify([line.provider, line.operation, line.upstreamModel]);
    const limits = this.limitsOf(line.provider);
    const maxBytes = limits.maxBytesPerBatch * byteHeadroom;
    const part = this.open.get(key);
    let closed: NewProviderBatch | undefined;
    if (part && (part.lines.length >= limits.maxRequestsPerBatch || part.bytes + line.bytes > maxBytes)) {
      closed = this.toPart(part);
      this.open.delete(key);
    }
    const current = this.open.get(key) ?? { provider: line.provider, operation: line.operation, upstreamModel: line.upstreamModel, lines: [], bytes: 0 };
    current.lines.push(line.lineNumber);
    current.bytes += line.bytes;
    this.open.set(key, current);
    return closed;
  }

  /** Closes every open part. */
  finish(): NewProviderBatch[] {
    const parts = [...this.open.values()].map((part) => this.toPart(part));
    this.open.clear();
    return parts;
  }

  private toPart(part: OpenPart): NewProviderBatch {
    const first = part.lines[0] ?? 0;
    return {
      id: providerBatchPartId(this.batchId, first),
      batchId: this.batchId,
      provider: part.provider,
      operation: part.operation,
      upstreamModel: part.upstreamModel,
      ranges: toRanges(part.lines),
      lineCount: part.lines.length,
    };
  }
}
