import type pg from 'pg';
import { parseLineBody } from '../formats/batch-line-formats.ts';
import { operationForPath } from '../operations/registry.ts';
import type { NativeBatchLine } from '../providers/native-batch/native-batch-capability.ts';
import { readRoutingControls } from '../routing/routing-controls.ts';
import { noModelName } from '../usage/no-model.ts';
import { batchRequestId } from './batch-object.ts';
import type { ProviderBatchRow } from './provider-batch-store.ts';

/** The batch a part belongs to, as its lines are read: where they are stored and what they call. */
export interface PartBatch {
  inputFileId: string;
  /** The batch's endpoint: a line in a translated format (Responses, Messages) is translated again. */
  endpoint: string;
}

/** A stored input line of a native part, read back as the provider batch's request. */
export type PartLine =
  { ok: true; lineNumber: number; customId: string; model: string; line: NativeBatchLine; warnings: string[] } | { ok: false; lineNumber: number; customId: string; model: string; message: string };

/** Lines read per query while a part is submitted: one page's bodies are in memory at a time. */
const pageSize = 1000;

/** `batch_req_<batch>_<line>` → the line number, for a custom id of this batch; undefined for any other. */
export function lineNumberOfCustomId(batchId: string, customId: string): number | undefined {
  const prefix = `${batchRequestId(batchId, 0).slice(0, -1)}`;
  if (!customId.startsWith(prefix)) return undefined;
  const digits = customId.slice(prefix.length);
  return /^[1-9]\d{0,9}$/.test(digits) ? Number(digits) : undefined;
}

/**
 * A stored line → the request its provider batch sends: the body as the sync API would take it, the
 * routing controls (a body `provider` pin) taken out, the gateway's request id as the custom id (the
 * caller's own `custom_id` stays in the gateway: providers limit theirs, Anthropic to 64 characters).
 */
export function toPartLine(
  part: Pick<ProviderBatchRow, 'batchId' | 'operation' | 'upstreamModel'>,
  row: { line_number: number; custom_id: string; content: string },
  options: {
    endpoint: string;
    /**
     * Check the body against the operation's schema (to send it); reading results back, the body sent is
     * trusted (a line in a translated format is translated again either way: the request is its translation).
     */
    validate?: boolean;
  },
): PartLine {
  const base = { lineNumber: row.line_number, customId: row.custom_id };
  let body: unknown;
  try {
    const envelope: unknown = JSON.parse(row.content);
    body = typeof envelope === 'object' && envelope !== null ? (envelope as Record<string, unknown>)['body'] : undefined;
  } catch {
    return { ok: false, ...base, model: noModelName, message: 'the line is not valid JSON' };
  }
  let request: Record<string, unknown> & { model: string };
  let warnings: string[] = [];
  // Chat and embeddings lines are sent as written; another format's line is sent as its translation.
  if (options.validate !== false || operationForPath(options.endpoint) === undefined) {
    const parsed = parseLineBody(options.endpoint, body);
    if (!parsed.ok) return { ok: false, ...base, model: noModelName, message: `body: ${parsed.issue?.message ?? 'invalid'}` };
    request = parsed.payload.request;
    warnings = parsed.warnings;
  } else {
    if (typeof body !== 'object' || body === null || typeof (body as { model?: unknown }).model !== 'string') return { ok: false, ...base, model: noModelName, message: 'body: invalid' };
    request = body as Record<string, unknown> & { model: string };
  }
  const controls = readRoutingControls({ headers: {}, request });
  const model = request.model;
  if (!controls.ok) return { ok: false, ...base, model, message: controls.message };
  const customId = batchRequestId(part.batchId, row.line_number);
  const line: NativeBatchLine =
    part.operation === 'embeddings'
      ? { operation: 'embeddings', request: controls.request as Extract<NativeBatchLine, { operation: 'embeddings' }>['request'], customId, upstreamModel: part.upstreamModel }
      : { operation: 'chat', request: controls.request as Extract<NativeBatchLine, { operation?: 'chat' }>['request'], customId, upstreamModel: part.upstreamModel };
  return { ok: true, ...base, model, line, warnings };
}

/** A part's lines in line order, page by page (a 50,000-line part is never read whole). */
export async function* readPartLines(pool: pg.Pool, part: ProviderBatchRow, batch: PartBatch): AsyncIterable<PartLine> {
  for (const [from, to] of part.ranges) {
    for (let start = from; start <= to; start += pageSize) {
      const { rows } = await pool.query<{ line_number: number; custom_id: string; content: string }>(
        'SELECT line_number, custom_id, content FROM file_lines WHERE file_id = $1 AND line_number BETWEEN $2 AND $3 ORDER BY line_number',
        [batch.inputFileId, start, Math.min(to, start + pageSize - 1)],
      );
      for (const row of rows) yield toPartLine(part, row, { endpoint: batch.endpoint });
    }
  }
}

/**
 * Given lines of a part, by line number (the results of one page of a provider's results file). The
 * bodies were checked when they were sent: they are not checked again.
 */
export async function loadPartLines(pool: pg.Pool, part: ProviderBatchRow, batch: PartBatch, lineNumbers: readonly number[]): Promise<Map<number, PartLine>> {
  const { rows } = await pool.query<{ line_number: number; custom_id: string; content: string }>(
    'SELECT line_number, custom_id, content FROM file_lines WHERE file_id = $1 AND line_number = ANY($2::int[])',
    [batch.inputFileId, lineNumbers],
  );
  return new Map(rows.map((row) => [row.line_number, toPartLine(part, row, { endpoint: batch.endpoint, validate: false })]));
}
