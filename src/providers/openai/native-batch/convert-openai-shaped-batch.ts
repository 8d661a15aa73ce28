import type { NativeBatchOperation } from '../../native-batch/native-batch-capability.ts';
import { openAIBatchSchema, openAIBatchStatuses, type OpenAIBatch, type OpenAIBatchStatus } from './openai-batch-schemas.ts';
import type { OpenAIShapedBatchApi } from './openai-shaped-batch-api.ts';

/** A vendor's batch object read as OpenAI's, with the status word the vendor wrote (logs, the gateway's record). */
export type ReadOpenAIShapedBatchResult = { ok: true; batch: OpenAIBatch; providerStatus: string } | { ok: false; message: string };

const knownStatuses: ReadonlySet<string> = new Set(openAIBatchStatuses);

/**
 * A batch object as a vendor answers it → OpenAI's Batch object. What differs is either data of the
 * vendor's {@link OpenAIShapedBatchApi} (renamed fields, extra status words) or read the same way for
 * every vendor, since no OpenAI answer looks otherwise: status words in any case, timestamps as ISO
 * strings (Together, Azure's examples) as well as Unix seconds, `errors` as a list or a bare string
 * (Groq, Cerebras) and a single `error` string (Together), counts left `null` and no `endpoint`
 * (Azure's examples).
 * Never throws.
 */
export function readOpenAIShapedBatch(raw: unknown, api: OpenAIShapedBatchApi): ReadOpenAIShapedBatchResult {
  if (!isRecord(raw)) return { ok: false, message: 'batch object is not a JSON object' };
  const batch: Record<string, unknown> = { ...raw };
  for (const [from, to] of Object.entries(api.renamedFields ?? {})) {
    if (batch[to] === undefined && batch[from] !== undefined) batch[to] = batch[from];
  }
  const providerStatus = typeof batch['status'] === 'string' ? batch['status'] : '';
  const status = openAIStatusOf(providerStatus, api);
  if (status === undefined) return { ok: false, message: `unknown batch status "${providerStatus}"` };
  batch['status'] = status;
  batch['object'] = 'batch';
  // Fields the gateway does not read, absent from some vendors' examples (Azure's omits `endpoint`).
  if (typeof batch['completion_window'] !== 'string') batch['completion_window'] = api.create?.completionWindow ?? '24h';
  if (typeof batch['endpoint'] !== 'string') batch['endpoint'] = '';
  for (const [field, value] of Object.entries(batch)) {
    if (field.endsWith('_at') && typeof value === 'string') batch[field] = unixSecondsOf(value);
  }
  batch['errors'] = errorsOf(batch['errors'], batch['error']);
  batch['request_counts'] = countsOf(batch['request_counts']);
  batch['metadata'] = metadataOf(batch['metadata']);
  const parsed = openAIBatchSchema.safeParse(batch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `unexpected batch object: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
  }
  return { ok: true, batch: parsed.data, providerStatus };
}

/** Where the next page of `GET /batches` starts, in the vendor's pagination. */
export type OpenAIShapedListPage = { after: string } | { cursor: string };

/** One page of `GET /batches`: its entries (still the vendor's objects), and the next page if any. */
export function readOpenAIShapedBatchList(raw: unknown, api: OpenAIShapedBatchApi): { ok: true; entries: unknown[]; next?: OpenAIShapedListPage } | { ok: false; message: string } {
  const entries = Array.isArray(raw) ? raw : isRecord(raw) && Array.isArray(raw['data']) ? raw['data'] : undefined;
  if (!entries) return { ok: false, message: 'batch list is neither a list object nor an array' };
  const pagination = api.listPagination ?? 'after';
  if (pagination === 'after' && isRecord(raw) && raw['has_more'] === true) {
    const last = entries.at(-1);
    const after = typeof raw['last_id'] === 'string' ? raw['last_id'] : isRecord(last) && typeof last['id'] === 'string' ? last['id'] : undefined;
    if (after) return { ok: true, entries, next: { after } };
  }
  if (pagination === 'cursor' && isRecord(raw) && isRecord(raw['paging']) && typeof raw['paging']['next_cursor'] === 'string' && raw['paging']['next_cursor'] !== '') {
    return { ok: true, entries, next: { cursor: raw['paging']['next_cursor'] } };
  }
  return { ok: true, entries };
}

/**
 * One line of the input file, as the vendor documents it: OpenAI's four fields, or `custom_id` and
 * `body` alone. `body` is what the synchronous call sends (the caller builds it with the same functions).
 */
export function convertToOpenAIShapedBatchLine(input: { api: OpenAIShapedBatchApi; operation: NativeBatchOperation; customId: string; body: Record<string, unknown> }): Record<string, unknown> {
  const { api, operation, customId, body } = input;
  if ((api.inputLine ?? 'openai') === 'custom-id-and-body') return { custom_id: customId, body };
  return { custom_id: customId, method: 'POST', url: api.endpoints[operation], body };
}

function openAIStatusOf(word: string, api: OpenAIShapedBatchApi): OpenAIBatchStatus | undefined {
  const lower = word.toLowerCase();
  const alias = api.statusAliases?.[lower];
  if (alias) return alias;
  return knownStatuses.has(lower) ? (lower as OpenAIBatchStatus) : undefined;
}

function unixSecondsOf(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const milliseconds = Date.parse(text);
  return Number.isNaN(milliseconds) ? null : Math.floor(milliseconds / 1000);
}

function errorsOf(errors: unknown, error: unknown): unknown {
  if (Array.isArray(errors)) return { object: 'list', data: errors.filter(isRecord) };
  if (typeof errors === 'string') return errors === '' ? null : { object: 'list', data: [{ message: errors }] };
  if (errors !== undefined && errors !== null) return errors;
  if (typeof error === 'string' && error !== '') return { object: 'list', data: [{ message: error }] };
  if (isRecord(error)) return { object: 'list', data: [error] };
  return null;
}

function countsOf(counts: unknown): unknown {
  if (!isRecord(counts)) return null;
  const count = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);
  return { ...counts, total: count(counts['total']), completed: count(counts['completed']), failed: count(counts['failed']) };
}

/** Only string values are OpenAI metadata; others (a vendor's tag lists) are not the gateway's. */
function metadataOf(metadata: unknown): Record<string, string> | null {
  if (!isRecord(metadata)) return null;
  return Object.fromEntries(Object.entries(metadata).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
