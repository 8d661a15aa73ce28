import { basename } from 'node:path';
import { batchEndpoints, defaultBatchEndpoint, endpointsTaking, isBatchEndpointUrl, textRequestFlags, type BatchEndpoint, type BatchEndpointUrl, type TextRequestFlag } from './batch-endpoints.ts';
import { CliError } from './cli-error.ts';
import { assertReadableFile, inputFileKind, readCsvRows, readJsonlRows, type InputRow } from './input-rows.ts';

export interface BatchInputOptions {
  path: string;
  /**
   * Every line's `url`: texts become requests to it, batch request lines must name it (or nothing).
   * @defaultValue {@link defaultBatchEndpoint}
   */
  endpoint?: BatchEndpointUrl | undefined;
  /** Required for texts; for batch request lines it replaces every line's `body.model`. */
  model?: string | undefined;
  /** A system message put before each text (texts for chat completions only). */
  system?: string | undefined;
  /** The embedding size asked for (texts for embeddings only). */
  dimensions?: number | undefined;
  /** @defaultValue `text` */
  textColumn?: string | undefined;
  /** @defaultValue `id` when the rows have it, else the row number */
  idColumn?: string | undefined;
}

/** `batch-requests`: OpenAI batch input lines; `texts`: rows of texts the CLI turns into requests to the endpoint. */
export type BatchInputFormat = 'batch-requests' | 'texts';

export interface BatchInput {
  format: BatchInputFormat;
  /** OpenAI batch input lines (JSON, no newline), read lazily from the file. */
  lines: AsyncIterable<string>;
  /** How many lines have been read so far. */
  count(): number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Opens an input file and checks its first row before anything is sent, so a wrong column, a missing
 * `--model` or an empty file fails at once; later rows are checked as they stream.
 */
export async function openBatchInput(options: BatchInputOptions): Promise<BatchInput> {
  const endpoint = batchEndpoints[options.endpoint ?? defaultBatchEndpoint];
  refuseForeignTextFlags(endpoint, options);
  await assertReadableFile(options.path);
  const name = basename(options.path);
  const { kind, delimiter } = inputFileKind(options.path);
  const rows = kind === 'csv' ? readCsvRows(options.path, delimiter) : readJsonlRows(options.path);
  const first = await rows.next();
  if (first.done) throw new CliError(`${name} has no ${kind === 'csv' ? 'rows below its header' : 'lines'}; nothing to submit`);

  const format: BatchInputFormat = kind === 'jsonl' && isObject(first.value.value) && ('custom_id' in first.value.value || 'body' in first.value.value) ? 'batch-requests' : 'texts';
  const toLine = format === 'batch-requests' ? batchRequestConverter(name, endpoint, options) : textConverter(name, endpoint, options, first.value, kind);
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

/** A flag that shapes another endpoint's requests is a mistake to say, not an option to drop. */
function refuseForeignTextFlags(endpoint: BatchEndpoint, options: BatchInputOptions): void {
  const given: Record<TextRequestFlag, boolean> = { '--system': options.system !== undefined, '--dimensions': options.dimensions !== undefined };
  for (const flag of textRequestFlags) {
    if (given[flag] && !endpoint.textFlags.includes(flag)) {
      throw new CliError(`${flag} applies to --endpoint ${endpointsTaking(flag).join(' or ')}, not ${endpoint.url}`);
    }
  }
}

function batchRequestConverter(name: string, endpoint: BatchEndpoint, options: BatchInputOptions): (row: InputRow) => BatchRequestLine {
  if (options.system !== undefined || options.dimensions !== undefined || options.textColumn !== undefined || options.idColumn !== undefined) {
    throw new CliError(`${name} holds batch request lines ({custom_id, body}); --system, --dimensions, --text-column and --id-column apply to texts (CSV, or JSONL rows of texts)`);
  }
  return ({ lineNumber, value }) => {
    const where = `${name} line ${lineNumber}`;
    if (!isObject(value)) throw new CliError(`${where}: expected a JSON object {custom_id, method, url, body}`);
    const { custom_id: customId, method = 'POST', url = endpoint.url, body } = value;
    if (typeof customId !== 'string' || customId.length === 0) throw new CliError(`${where}: custom_id must be a non-empty string`);
    if (!isObject(body)) throw new CliError(`${where}: body must be an object (${endpoint.bodyName})`);
    if (url !== endpoint.url) {
      // A file of another endpoint's lines most likely wants that endpoint: say which flag gives it.
      const hint = isBatchEndpointUrl(url) ? `; a batch of ${url} lines needs --endpoint ${url}` : '';
      throw new CliError(`${where}: url is ${JSON.stringify(url)}, but every line of this batch must go to its endpoint "${endpoint.url}"${hint}`);
    }
    if (method !== 'POST') throw new CliError(`${where}: method must be "POST"`);
    const model = options.model ?? body.model;
    if (typeof model !== 'string' || model.length === 0) throw new CliError(`${where}: body.model is missing; give it in the line or pass --model`);
    return { ...value, custom_id: customId, method, url: endpoint.url, body: { ...body, model } };
  };
}

function textConverter(name: string, endpoint: BatchEndpoint, options: BatchInputOptions, first: InputRow, kind: 'csv' | 'jsonl'): (row: InputRow, rowNumber: number) => BatchRequestLine {
  const model = options.model;
  if (model === undefined) throw new CliError(`${name} holds texts, not batch requests: pass --model to say which model should ${endpoint.modelRole}`);
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
  const requestOptions = { model, system: options.system, dimensions: options.dimensions };

  return ({ lineNumber, value }, rowNumber) => {
    const where = `${name} line ${lineNumber}`;
    const text = isObject(value) ? value[textColumn] : value;
    if (typeof text !== 'string' && typeof text !== 'number') throw new CliError(`${where}: no text in '${textColumn}' (a string is needed)`);
    if (!endpoint.acceptsEmptyText && String(text).length === 0) throw new CliError(`${where}: the text in '${textColumn}' is empty; ${endpoint.url} needs some`);
    let customId = String(rowNumber);
    if (idColumn !== undefined) {
      const id = isObject(value) ? value[idColumn] : undefined;
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0) throw new CliError(`${where}: no id in '${idColumn}'`);
      customId = String(id);
    }
    return { custom_id: customId, method: 'POST', url: endpoint.url, body: endpoint.textBody(String(text), requestOptions) };
  };
}
