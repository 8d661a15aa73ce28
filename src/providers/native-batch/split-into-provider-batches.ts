/** One item to place in a provider batch: what to group it by and what it costs. */
export interface BatchItemMeasure {
  /** Items with different keys never share a batch (OpenAI: one model and one endpoint per batch). */
  groupKey: string;
  /** The item's size on the wire, in bytes, separators included. */
  bytes: number;
}

export interface SplitIntoProviderBatchesOptions<Item> {
  measure: (item: Item) => BatchItemMeasure;
  maxRequestsPerBatch: number;
  maxBytesPerBatch: number;
  /** Bytes every batch costs whatever it holds (an envelope such as `{"requests":[]}`). @defaultValue 0 */
  overheadBytes?: number;
}

export interface ProviderBatchPart<Item> {
  groupKey: string;
  items: Item[];
  bytes: number;
}

export interface SplitIntoProviderBatchesResult<Item> {
  /** Groups in order of first appearance; parts of one group in order; items in input order within a part. */
  batches: Array<ProviderBatchPart<Item>>;
  /** Items that alone exceed `maxBytesPerBatch`: no batch can carry them, so they fail on their own. */
  oversized: Item[];
}

/**
 * Items → provider batches: grouped by key, each part filled in input order until the next item would
 * pass the count or byte limit. Pure and greedy, so the same input always splits the same way.
 */
export function splitIntoProviderBatches<Item>(items: readonly Item[], options: SplitIntoProviderBatchesOptions<Item>): SplitIntoProviderBatchesResult<Item> {
  const overhead = options.overheadBytes ?? 0;
  const open = new Map<string, ProviderBatchPart<Item>>();
  const batches: Array<ProviderBatchPart<Item>> = [];
  const oversized: Item[] = [];
  for (const item of items) {
    const { groupKey, bytes } = options.measure(item);
    if (overhead + bytes > options.maxBytesPerBatch) {
      oversized.push(item);
      continue;
    }
    let part = open.get(groupKey);
    if (part === undefined || part.items.length >= options.maxRequestsPerBatch || part.bytes + bytes > options.maxBytesPerBatch) {
      part = { groupKey, items: [], bytes: overhead };
      open.set(groupKey, part);
      batches.push(part);
    }
    part.items.push(item);
    part.bytes += bytes;
  }
  // Parts were appended as they opened; keep each group's parts together, groups by first appearance.
  const groupOrder = [...new Set(batches.map((part) => part.groupKey))];
  return { batches: groupOrder.flatMap((key) => batches.filter((part) => part.groupKey === key)), oversized };
}
