import { createInterface } from 'node:readline';
import { finishedAt } from './batch-format.ts';
import { saveBatchFiles } from './batch-results.ts';
import { writeLine, type CliContext } from './cli-context.ts';
import { exitCodes } from './cli-error.ts';
import type { GatewayClient } from './gateway-client.ts';
import { errorLineSchema, type Batch } from './gateway-schemas.ts';
import { writeJson, type BatchLineError, type BatchOutcome, type BatchResult } from './json-output.ts';
import { formatCount } from './format-table.ts';
import { formatDuration, formatRate } from './throughput-estimate.ts';

/** How many failed lines are shown when a waited-on batch has some. */
export const firstErrorsShown = 5;

/** What a finished batch means for the exit code: see {@link exitCodes}. */
export function batchResultOf(batch: Batch): { result: BatchResult; exitCode: number } {
  if (batch.status !== 'completed') return { result: 'not_completed', exitCode: exitCodes.batchNotCompleted };
  if (batch.request_counts.failed > 0) return { result: 'completed_with_failures', exitCode: exitCodes.batchLinesFailed };
  return { result: 'completed', exitCode: exitCodes.success };
}

/** Seconds from the batch's creation to its end, by the gateway's clock; `fallback` while it has no end. */
export function batchElapsedSeconds(batch: Batch, fallback: number): number {
  const finished = finishedAt(batch);
  return finished === null ? fallback : Math.max(0, finished - batch.created_at);
}

/** One line of an error file as shown: `custom_id: code: message`. */
export function formatLineError(error: BatchLineError): string {
  return `${error.custom_id ?? '(no custom_id)'}: ${error.code ? `${error.code}: ` : ''}${error.message}`;
}

/**
 * The first `limit` lines of an error file, read from the start of its content and no further (the
 * download is dropped after them). Lines that are not an error line are skipped.
 */
export async function readFirstErrors(client: GatewayClient, fileId: string, limit = firstErrorsShown): Promise<BatchLineError[]> {
  const source = await client.stream(`/v1/files/${encodeURIComponent(fileId)}/content`);
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  const found: BatchLineError[] = [];
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      const parsed = errorLineSchema.safeParse(value);
      if (!parsed.success) continue;
      found.push({ custom_id: parsed.data.custom_id, code: parsed.data.error.code ?? null, message: parsed.data.error.message });
      if (found.length >= limit) break;
    }
  } finally {
    lines.close();
    source.destroy();
  }
  return found;
}

export interface ReportOptions {
  output?: string | undefined;
  errors?: string | undefined;
  json: boolean;
  elapsedSeconds: number;
}

/**
 * The end of `batch submit --wait` and `batch wait`: the summary (or the JSON outcome) on stdout, the
 * files written, the first failed lines on stderr; answers the exit code.
 */
export async function reportOutcome(context: CliContext, client: GatewayClient, batch: Batch, options: ReportOptions): Promise<number> {
  const { stdout, stderr } = context;
  const { completed, failed, total } = batch.request_counts;
  const { result, exitCode } = batchResultOf(batch);
  if (!options.json) {
    const rate = (completed + failed) / Math.max(options.elapsedSeconds, 0.001);
    writeLine(
      stdout,
      `${batch.id} ${batch.status} in ${formatDuration(options.elapsedSeconds)}: ${formatCount(completed)} completed, ${formatCount(failed)} failed of ${formatCount(total)} (${formatRate(rate)} req/s)`,
    );
  }

  const saved = await saveBatchFiles(context, client, batch, { output: options.output, errors: options.errors, outputToStdout: false });
  for (const error of batch.errors?.data ?? []) writeLine(stderr, `  ${error.code ?? 'error'}: ${error.message}${error.line ? ` (line ${error.line})` : ''}`);
  const firstErrors = failed > 0 && batch.error_file_id ? await firstErrorsOrNone(context, client, batch.error_file_id) : [];
  if (failed > 0) {
    writeLine(stderr, `${formatCount(failed)} request(s) failed${firstErrors.length > 0 ? `; the first ${firstErrors.length === 1 ? 'one' : firstErrors.length}:` : ''}`);
    for (const error of firstErrors) writeLine(stderr, `  ${formatLineError(error)}`);
    if (failed > firstErrors.length && firstErrors.length > 0) writeLine(stderr, `  … and ${formatCount(failed - firstErrors.length)} more in the error file`);
  }
  if (result === 'not_completed') writeLine(stderr, `${batch.id} did not complete: it is ${batch.status}`);

  if (options.json) {
    const outcome: BatchOutcome = { batch, result, exit_code: exitCode, elapsed_seconds: options.elapsedSeconds, first_errors: firstErrors, saved };
    writeJson(stdout, outcome);
  }
  return exitCode;
}

/** The first errors are a courtesy: failing to read them must not hide how the batch ended. */
async function firstErrorsOrNone(context: CliContext, client: GatewayClient, fileId: string): Promise<BatchLineError[]> {
  try {
    return await readFirstErrors(client, fileId);
  } catch (error) {
    // A download cut short is a stream error, not a CliError: said either way, and the outcome stands.
    writeLine(context.stderr, `could not read the error file ${fileId}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}
