import { basename } from 'node:path';
import { CliError } from './cli-error.ts';
import { assertReadableFile, inputFileKind, readCsvRows, readJsonlRows, type InputRow } from './input-rows.ts';

export interface BatchInputOptions {
  path: string;
  /** Required for texts; for batch request lines it replaces every line's `body.model`. */
  model?: string | undefined;
  /** A system message put before each text (texts only). */
  system?: string | undefined;
  /** @defaultValue `text` */
  textColumn?: string | undefined;
  /** @defaultValue `id` when the rows have it, else the row number */
  idColumn?: string | undefined;
}

/** `batch-requests`: OpenAI batch input lines; `texts`: rows of texts the CLI turns into chat requests. */
export type BatchInputFormat = 'batch-requests' | 'texts';

export interface BatchInput {
  format: BatchInputFormat;
  /** OpenAI batch input lines (JSON, no newline), read lazily from the file. */
  lines: AsyncIterable<string>;
  /** How many lines have been read so far. */
  count(): number;
}

const chatCompletionsUrl = '/v1/chat/completions';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Opens an input file and checks its first row before anything is sent, so a wrong column, a missing
 * `--model` or an empty file fails at once; later rows are checked as they stream.
 */
export async function openBatchInput(options: BatchInputOptions): Promise<BatchInput> {
  await assertReadableFile(options.path);
  const name = basename(options.path);
  const { kind, delimiter } = inputFileKind(options.path);
  const rows = kind === 'csv' ? readCsvRows(options.path, delimiter) : readJsonlRows(options.path);
  const first = await rows.next();
  if (first.done) throw new CliError(`${name} has no ${kind === 'csv' ? 'rows below its header' : 'lines'}; nothing to submit`);

  const format: BatchInputFormat = kind === 'jsonl' && isObject(first.value.value) && ('custom_id' in first.value.value || 'body' in first.value.value) ? 'batch-requests' : 'texts';
  const toLine = format === 'batch-requests' ? batchRequestConverter(name, options) : textConverter(name, options, first.value, kind);
  const seenIds = new Set<string>();
  let count = 0;
  const convert = (row: InputRow): string => {
    const request = toLine(row, count + 1);
    if (seenIds.has(request.custom_id)) throw new CliError(`${name} line ${row.lineNumber}: custom_id '${request.custom_id}' appears twice`);
    seenIds.add(request.custom_id);
    count += 1;
    return JSON.stringify(request);
  };
  const firstLine = convert(first.value);

  async function* lines(): AsyncGenerator<string> {
    yield firstLine;
    for await (const row of rows) yield convert(row);
  }
  return { format, lines: lines(), count: () => count };
}

interface BatchRequestLine {
  custom_id: string;
  method: string;
  url: string;
  body: Record<string, unknown>;
}

function batchRequestConverter(name: string, options: BatchInputOptions): (row: InputRow) => BatchRequestLine {
  if (options.system !== undefined || options.textColumn !== undefined || options.idColumn !== undefined) {
    throw new CliError(`${name} holds batch request lines ({custom_id, body}); --system, --text-column and --id-column apply to texts (CSV, or JSONL rows of texts)`);
  }
  return ({ lineNumber, value }) => {
    const where = `${name} line ${lineNumber}`;
    if (!isObject(value)) throw new CliError(`${where}: expected a JSON object {custom_id, method, url, body}`);
    const { custom_id: customId, method = 'POST', url = chatCompletionsUrl, body } = value;
    if (typeof customId !== 'string' || customId.length === 0) throw new CliError(`${where}: custom_id must be a non-empty string`);
    if (!isObject(body)) throw new CliError(`${where}: body must be an object (the chat completion request)`);
    if (url !== chatCompletionsUrl) throw new CliError(`${where}: url must be "${chatCompletionsUrl}"`);
    if (method !== 'POST') throw new CliError(`${where}: method must be "POST"`);
    const model = options.model ?? body.model;
    if (typeof model !== 'string' || model.length === 0) throw new CliError(`${where}: body.model is missing; give it in the line or pass --model`);
    return { ...value, custom_id: customId, method, url, body: { ...body, model } };
  };
}

function textConverter(name: string, options: BatchInputOptions, first: InputRow, kind: 'csv' | 'jsonl'): (row: InputRow, rowNumber: number) => BatchRequestLine {
  const model = options.model;
  if (model === undefined) throw new CliError(`${name} holds texts, not batch requests: pass --model to say which model should answer them`);
  const textColumn = options.textColumn ?? 'text';
  const columns = isObject(first.value) ? Object.keys(first.value) : [];
  if (isObject(first.value) && !(textColumn in first.value)) {
    const known = columns.length > 0 ? columns.map((column) => `'${column}'`).join(', ') : 'none';
    const what = kind === 'csv' ? `has no column '${textColumn}' (columns: ${known})` : `line ${first.lineNumber} has no field '${textColumn}' (fields: ${known})`;
    throw new CliError(`${name} ${what}; name the text column with --text-column`);
  }
  if (options.idColumn !== undefined && isObject(first.value) && !(options.idColumn in first.value)) {
    throw new CliError(`${name} has no ${kind === 'csv' ? 'column' : 'field'} '${options.idColumn}' for --id-column (${kind === 'csv' ? 'columns' : 'fields'}: ${columns.join(', ')})`);
  }
  const idColumn = options.idColumn ?? (isObject(first.value) && 'id' in first.value ? 'id' : undefined);
  const system = options.system === undefined ? [] : [{ role: 'system', content: options.system }];

  return ({ lineNumber, value }, rowNumber) => {
    const where = `${name} line ${lineNumber}`;
    const text = isObject(value) ? value[textColumn] : value;
    if (typeof text !== 'string' && typeof text !== 'number') throw new CliError(`${where}: no text in '${textColumn}' (a string is needed)`);
    let customId = String(rowNumber);
    if (idColumn !== undefined) {
      const id = isObject(value) ? value[idColumn] : undefined;
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0) throw new CliError(`${where}: no id in '${idColumn}'`);
      customId = String(id);
    }
    return {
      custom_id: customId,
      method: 'POST',
      url: chatCompletionsUrl,
      body: { model, messages: [...system, { role: 'user', content: String(text) }] },
    };
  };
}
