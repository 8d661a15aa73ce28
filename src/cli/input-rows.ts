import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { CliError } from './cli-error.ts';

/** One row of an input file: a parsed JSONL value or a CSV record, with its line in the file. */
export interface InputRow {
  lineNumber: number;
  value: unknown;
}

export type InputFileKind = 'csv' | 'jsonl';

/** `.csv` and `.tsv` are CSV (comma, tab); anything else is read as JSONL. */
export function inputFileKind(path: string): { kind: InputFileKind; delimiter: string } {
  const extension = extname(path).toLowerCase();
  if (extension === '.tsv') return { kind: 'csv', delimiter: '\t' };
  return { kind: extension === '.csv' ? 'csv' : 'jsonl', delimiter: ',' };
}

/** Fails early, with the reason in words, when the file cannot be read. */
export async function assertReadableFile(path: string): Promise<void> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new CliError(`${path} is not a file`);
    // Opening is the only honest permission check.
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    stream.destroy();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot read ${path}: ${reason}`, { cause: error });
  }
}

/** JSONL rows, parsed; blank lines are skipped, a leading BOM dropped. */
export async function* readJsonlRows(path: string): AsyncGenerator<InputRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new CliError(`${basename(path)} line ${lineNumber}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    yield { lineNumber, value };
  }
}

const csvItemSchema = z.object({ info: z.object({ lines: z.number() }), record: z.record(z.string(), z.string()) });

/** CSV records keyed by the header row's column names. */
export async function* readCsvRows(path: string, delimiter: string): AsyncGenerator<InputRow> {
  const parser = parse({ columns: true, bom: true, skip_empty_lines: true, delimiter, info: true });
  const source = createReadStream(path);
  source.once('error', (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const item of parser) {
      const { info, record } = csvItemSchema.parse(item);
      yield { lineNumber: info.lines, value: record };
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${basename(path)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    source.destroy();
  }
}
