import type pg from 'pg';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { quoteId } from '../files/file-problem.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { createBatchLineChecker, type LineRefusalCode } from './batch-line.ts';

/** A line the gateway would refuse without calling a provider. */
export interface InvalidLine {
  lineNumber: number;
  customId: string;
  model: string;
  code: LineRefusalCode;
  message: string;
}

export interface InvalidLines {
  /** Lines checked. */
  lines: number;
  /** Lines that cannot run. */
  count: number;
  /** The first of them, in line order (at most `listed`). */
  first: InvalidLine[];
  /** With `notNative`: runnable lines no batch API can take, and why, per provider. */
  notNative: { count: number; reasons: Map<string, string> };
}

/** Lines read per query: a page's bodies are the only ones in memory. */
const pageSize = 1000;

/** How many invalid lines an answer names. */
export const listedInvalidLines = 10;

/**
 * Checks every line of a batch input file with the checker the batch's lines run through
 * (`createBatchLineChecker`), page by page in line order. Runs on the caller's connection: the lines
 * of an inline batch are not committed yet. While one page is checked the next is already being read.
 */
export async function findInvalidLines(options: {
  client: pg.PoolClient;
  fileId: string;
  lineCount: number;
  config: GatewayConfig;
  /** The batch's endpoint. */ endpoint: string;
  /** Also check that every runnable line can go to its provider's batch API (`native` mode): why not, or undefined. */
  notNative?: (line: { provider: string; operation: 'chat' | 'embeddings' }) => string | undefined;
}): Promise<InvalidLines> {
  const { client, fileId, lineCount } = options;
  const check = createBatchLineChecker(options.config, { endpoint: options.endpoint });
  const found: InvalidLines = { lines: 0, count: 0, first: [], notNative: { count: 0, reasons: new Map() } };
  // Line numbers are dense (1..n): fixed windows keep every page an index range scan.
  const page = (from: number) =>
    client.query<{ line_number: number; custom_id: string; content: string }>(
      'SELECT line_number, custom_id, content FROM file_lines WHERE file_id = $1 AND line_number BETWEEN $2 AND $3 ORDER BY line_number',
      [fileId, from, from + pageSize - 1],
    );
  let next = lineCount > 0 ? page(1) : undefined;
  for (let from = 1; next; from += pageSize) {
    const { rows } = await next;
    next = from + pageSize <= lineCount ? page(from + pageSize) : undefined;
    for (const row of rows) {
      const line = check(row.content);
      found.lines += 1;
      if (line.ok) {
        const reason = options.notNative?.({ provider: line.provider, operation: line.operation ?? 'chat' });
        if (reason !== undefined) {
          found.notNative.count += 1;
          if (!found.notNative.reasons.has(line.provider)) found.notNative.reasons.set(line.provider, reason);
        }
        continue;
      }
      found.count += 1;
      if (found.first.length < listedInvalidLines) {
        found.first.push({ lineNumber: row.line_number, customId: row.custom_id, model: line.model, code: line.code, message: line.message });
      }
    }
  }
  return found;
}

/**
 * The answer to a batch refused for its lines: 400 `invalid_batch_lines`, naming the first ones (line
 * number, custom_id, the error each would get) and how many there are in all.
 */
export function invalidLinesError(found: Pick<InvalidLines, 'lines' | 'count' | 'first'>, options: { inline: boolean }): GatewayError {
  const label = (lineNumber: number) => (options.inline ? `requests[${lineNumber - 1}]` : `line ${lineNumber}`);
  const listed = found.first.map((line) => `${label(line.lineNumber)} (custom_id ${quoteId(line.customId)}): ${line.code}: ${line.message.replace(/\.$/, '')}`);
  const more = found.count > listed.length ? `; and ${found.count - listed.length} more` : '';
  const what = options.inline ? 'requests' : 'lines';
  return new GatewayError({
    code: 'invalid_batch_lines',
    message:
      `${found.count} of ${found.lines} ${what} cannot run, so no batch was created: ${listed.join('; ')}${more}. ` +
      `Correct them, or create the batch with on_invalid_lines: 'fail_lines' to fail only these and run the rest.`,
    param: options.inline ? 'requests' : 'input_file_id',
  });
}

/** The answer to a `native` batch with lines no batch API can take: 400 `native_batch_unavailable`, naming the providers and why. */
export function notNativeError(found: InvalidLines, options: { inline: boolean }): GatewayError {
  const what = options.inline ? 'requests' : 'lines';
  return new GatewayError({
    code: 'native_batch_unavailable',
    message:
      `${found.notNative.count} of ${found.lines} ${what} cannot go to a provider's batch API, so no batch was created: ${[...found.notNative.reasons.values()].join('; ')}. ` +
      `Enable nativeBatch on those providers, or send the batch with x-gateway-batch-mode: auto to run those ${what} on the gateway's workers.`,
    param: 'x-gateway-batch-mode',
  });
}
